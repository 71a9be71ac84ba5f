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

# backup ARNs and regions: valid
run "backup_role_and_copy" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { role_arn = "arn:aws:iam::123456789012:role/rsfleet-snapshots", copy = { region = "eu-west-1", kms_key_id = "alias/rsfleet" } } }
  }
}

# backup ARNs and regions: rejected
run "backup_bad_role_arn" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { role_arn = "rsfleet-snapshots" } }
  }
  expect_failures = [var.producer]
}

# backup ARNs and regions: rejected
run "backup_bad_copy_region" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { copy = { region = "uswest2" } } }
  }
  expect_failures = [var.producer]
}

# backup ARNs and regions: rejected
run "backup_bad_kms_key" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { copy = { region = "us-west-2", kms_key_id = "my key" } } }
  }
  expect_failures = [var.producer]
}
