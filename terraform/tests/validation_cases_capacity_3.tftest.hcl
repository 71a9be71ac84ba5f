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

# usage_limit: valid
run "consumer_usage_limit" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, usage_limit = { amount = 100, period = "weekly", breach_action = "emit-metric" } }, c2 = { base_capacity = 8 } }
  }
}

# usage_limit: rejected
run "usage_limit_bad_period" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 10, period = "hourly" } }
  }
  expect_failures = [var.producer]
}

# usage_limit: rejected
run "usage_limit_bad_breach_action" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, usage_limit = { amount = 10, breach_action = "stop" } }, c2 = { base_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# usage_limit: rejected
run "usage_limit_zero" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 0 } }
  }
  expect_failures = [var.producer]
}

# usage_limit: rejected
run "usage_limit_not_whole" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 1.5 } }
  }
  expect_failures = [var.producer]
}

# behind_nlb: valid
run "one_consumer_behind_nlb" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, behind_nlb = false }, c2 = { base_capacity = 8 } }
  }
}

# behind_nlb: rejected
run "no_consumer_behind_nlb" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, behind_nlb = false }, c2 = { base_capacity = 8, behind_nlb = false } }
  }
  expect_failures = [var.consumers]
}
