# GENERATED from tests/spec/rule_cases.py (python -m tests.spec.rule_cases): do not edit.
# The same cases drive the pydantic tests (tests/spec/test_rule_cases.py); each is
# accepted, or rejected by the variable validations, offline with a mocked provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  project_name = "rsfleet"
  environment  = "test"
  aws_region   = "us-east-1"
  producer     = { base_capacity = 8 }
  consumers    = { c1 = { base_capacity = 8 }, c2 = { base_capacity = 8 } }
  datashares   = { sales_share = { schemas = ["sales"] } }
}

# tag count: valid
run "forty_five_tags_are_fine" {
  command = plan
  variables {
    tags = { k0 = "v", k1 = "v", k2 = "v", k3 = "v", k4 = "v", k5 = "v", k6 = "v", k7 = "v", k8 = "v", k9 = "v", k10 = "v", k11 = "v", k12 = "v", k13 = "v", k14 = "v", k15 = "v", k16 = "v", k17 = "v", k18 = "v", k19 = "v", k20 = "v", k21 = "v", k22 = "v", k23 = "v", k24 = "v", k25 = "v", k26 = "v", k27 = "v", k28 = "v", k29 = "v", k30 = "v", k31 = "v", k32 = "v", k33 = "v", k34 = "v", k35 = "v", k36 = "v", k37 = "v", k38 = "v", k39 = "v", k40 = "v", k41 = "v", k42 = "v", k43 = "v", k44 = "v" }
  }
}

# tag count: rejected
run "too_many_tags" {
  command = plan
  variables {
    tags = { k0 = "v", k1 = "v", k2 = "v", k3 = "v", k4 = "v", k5 = "v", k6 = "v", k7 = "v", k8 = "v", k9 = "v", k10 = "v", k11 = "v", k12 = "v", k13 = "v", k14 = "v", k15 = "v", k16 = "v", k17 = "v", k18 = "v", k19 = "v", k20 = "v", k21 = "v", k22 = "v", k23 = "v", k24 = "v", k25 = "v", k26 = "v", k27 = "v", k28 = "v", k29 = "v", k30 = "v", k31 = "v", k32 = "v", k33 = "v", k34 = "v", k35 = "v", k36 = "v", k37 = "v", k38 = "v", k39 = "v", k40 = "v", k41 = "v", k42 = "v", k43 = "v", k44 = "v", k45 = "v" }
  }
  expect_failures = [var.tags]
}

# tag lengths: valid
run "tag_key_128_value_256" {
  command = plan
  variables {
    tags = { kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" }
  }
}

# tag lengths: rejected
run "tag_key_too_long" {
  command = plan
  variables {
    tags = { kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk = "v" }
  }
  expect_failures = [var.tags]
}

# tag lengths: rejected
run "tag_value_too_long" {
  command = plan
  variables {
    tags = { team = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" }
  }
  expect_failures = [var.tags]
}

# tag lengths: rejected
run "tag_key_empty" {
  command = plan
  variables {
    tags = { "" = "v" }
  }
  expect_failures = [var.tags]
}

# tag aws: prefix: valid
run "tag_with_aws_inside" {
  command = plan
  variables {
    tags = { team = "my-aws:x" }
  }
}

# tag aws: prefix: rejected
run "tag_aws_prefix" {
  command = plan
  variables {
    tags = { "aws:owner" = "me" }
  }
  expect_failures = [var.tags]
}

# tag aws: prefix: rejected
run "tag_value_aws_prefix" {
  command = plan
  variables {
    tags = { owner = "AWS:me" }
  }
  expect_failures = [var.tags]
}
