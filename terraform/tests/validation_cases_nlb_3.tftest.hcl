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

# nlb clients: rejected
run "allowed_cidr_with_host_bits" {
  command = plan
  variables {
    nlb = { allowed_cidrs = ["10.0.0.1/8"] }
  }
  expect_failures = [var.nlb]
}

# nlb clients: rejected
run "bad_security_group_id" {
  command = plan
  variables {
    nlb = { allowed_security_group_ids = ["group-1"] }
  }
  expect_failures = [var.nlb]
}
