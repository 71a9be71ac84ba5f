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

# max_capacity >= base_capacity: rejected
run "max_below_base" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 16, max_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# max_capacity >= base_capacity: rejected
run "producer_max_below_base" {
  command = plan
  variables {
    producer = { base_capacity = 64, max_capacity = 32 }
  }
  expect_failures = [var.producer]
}

# max_capacity steps and limit: valid
run "max_5632" {
  command = plan
  variables {
    producer = { base_capacity = 8, max_capacity = 5632 }
  }
}

# max_capacity steps and limit: valid
run "max_4_with_base_4" {
  command = plan
  variables {
    producer = { base_capacity = 4, max_capacity = 4 }
  }
}

# max_capacity steps and limit: rejected
run "max_above_5632" {
  command = plan
  variables {
    producer = { base_capacity = 8, max_capacity = 5640 }
  }
  expect_failures = [var.producer]
}

# max_capacity steps and limit: rejected
run "max_not_a_multiple_of_8" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, max_capacity = 20 } }
  }
  expect_failures = [var.consumers]
}

# query_timeout_seconds range: valid
run "query_timeout_aws_maximum_accepted" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 86399 }, c2 = { base_capacity = 8 } }
  }
}

# query_timeout_seconds range: valid
run "query_timeout_60" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 60 }, c2 = { base_capacity = 8 } }
  }
}

# query_timeout_seconds range: rejected
run "query_timeout_one_day_rejected" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 86400 } }
  }
  expect_failures = [var.consumers]
}

# query_timeout_seconds range: rejected
run "query_timeout_59" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 59 }, c2 = { base_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# query_timeout_seconds range: rejected
run "query_timeout_not_whole" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 90.5 }, c2 = { base_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# usage_limit: valid
run "usage_limit_1_rpu_hour" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 1, period = "daily", breach_action = "deactivate" } }
  }
}
