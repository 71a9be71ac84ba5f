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

# project_name pattern: valid
run "project_name_3_chars" {
  command = plan
  variables {
    project_name = "abc"
  }
}

# project_name pattern: valid
run "project_name_20_chars" {
  command = plan
  variables {
    project_name = "aaaaaaaaaaaaaaaaaaaa"
  }
}

# project_name pattern: rejected
run "bad_project_name" {
  command = plan
  variables {
    project_name = "RS_Fleet"
  }
  expect_failures = [var.project_name]
}

# project_name pattern: rejected
run "project_name_2_chars" {
  command = plan
  variables {
    project_name = "ab"
  }
  expect_failures = [var.project_name]
}

# project_name pattern: rejected
run "project_name_21_chars" {
  command = plan
  variables {
    project_name = "aaaaaaaaaaaaaaaaaaaaa"
  }
  expect_failures = [var.project_name]
}

# environment pattern: valid
run "environment_2_chars" {
  command = plan
  variables {
    environment = "ab"
  }
}

# environment pattern: valid
run "environment_16_chars" {
  command = plan
  variables {
    environment = "aaaaaaaaaaaaaaaa"
  }
}

# environment pattern: rejected
run "bad_environment" {
  command = plan
  variables {
    environment = "dev-"
  }
  expect_failures = [var.environment]
}

# environment pattern: rejected
run "environment_1_char" {
  command = plan
  variables {
    environment = "a"
  }
  expect_failures = [var.environment]
}

# environment pattern: rejected
run "environment_17_chars" {
  command = plan
  variables {
    environment = "aaaaaaaaaaaaaaaaa"
  }
  expect_failures = [var.environment]
}

# aws_region pattern: valid
run "gov_region" {
  command = plan
  variables {
    aws_region = "us-gov-west-1"
  }
}

# aws_region pattern: rejected
run "bad_region" {
  command = plan
  variables {
    aws_region = "useast1"
  }
  expect_failures = [var.aws_region]
}
