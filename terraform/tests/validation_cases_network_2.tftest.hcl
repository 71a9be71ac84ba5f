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

# availability_zone_ids: valid
run "three_zone_ids" {
  command = plan
  variables {
    availability_zone_ids = ["use1-az1", "use1-az2", "use1-az4"]
  }
}

# availability_zone_ids: rejected
run "zone_names_not_ids" {
  command = plan
  variables {
    availability_zone_ids = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }
  expect_failures = [var.availability_zone_ids]
}

# availability_zone_ids: rejected
run "zone_ids_repeated" {
  command = plan
  variables {
    availability_zone_ids = ["use1-az1", "use1-az1", "use1-az2"]
  }
  expect_failures = [var.availability_zone_ids]
}
