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

# controller.probe_secret_arn: rejected
run "controller_probe_secret_not_an_arn" {
  command = plan
  variables {
    controller = { probe_secret_arn = "rsfleet-reader" }
  }
  expect_failures = [var.controller]
}

# controller.probe_secret_arn: rejected
run "controller_probe_secret_without_name" {
  command = plan
  variables {
    controller = { probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" }
  }
  expect_failures = [var.controller]
}

# controller.probe_secret_kms_key_arn: valid
run "controller_probe_secret_kms_key" {
  command = plan
  variables {
    controller = { probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-reader", probe_secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1" }
  }
}

# controller.probe_secret_kms_key_arn: rejected
run "controller_probe_secret_kms_key_alias" {
  command = plan
  variables {
    controller = { probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-reader", probe_secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:alias/rsfleet-probe" }
  }
  expect_failures = [var.controller]
}

# controller.probe_secret_kms_key_arn: rejected
run "controller_probe_secret_kms_key_without_secret" {
  command = plan
  variables {
    controller = { probe_secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1" }
  }
  expect_failures = [var.controller]
}

# controller owns the targets: valid
run "controller_with_targets_by_the_controller" {
  command = plan
  variables {
    controller    = { enabled = true }
    nlb           = { register_targets_with_terraform = false }
    artifact_path = "tests/fixtures/rsfleet-lambda.zip"
  }
}

# controller owns the targets: rejected
run "controller_with_targets_by_terraform" {
  command = plan
  variables {
    controller    = { enabled = true }
    nlb           = { register_targets_with_terraform = true }
    artifact_path = "tests/fixtures/rsfleet-lambda.zip"
  }
  expect_failures = [var.controller]
}
