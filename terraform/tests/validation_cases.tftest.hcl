# GENERATED from tests/spec/rule_cases.py (python -m tests.spec.rule_cases): do not edit.
# The same cases drive the pydantic tests (tests/spec/test_rule_cases.py); each must be
# rejected by the variable validations, offline with a mocked provider.

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

run "bad_project_name" {
  command = plan
  variables {
    project_name = "RS_Fleet"
  }
  expect_failures = [var.project_name]
}

run "bad_environment" {
  command = plan
  variables {
    environment = "dev-"
  }
  expect_failures = [var.environment]
}

run "bad_region" {
  command = plan
  variables {
    aws_region = "useast1"
  }
  expect_failures = [var.aws_region]
}

run "bad_consumer_name" {
  command = plan
  variables {
    consumers  = { "1st_consumer" = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

run "reserved_consumer_name" {
  command = plan
  variables {
    consumers  = { producer = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

run "base_capacity_not_a_step_of_8" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 12 } }
  }
  expect_failures = [var.consumers]
}

run "producer_base_capacity_below_minimum" {
  command = plan
  variables {
    producer = { base_capacity = 2 }
  }
  expect_failures = [var.producer]
}

run "max_below_base" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 16, max_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

run "max_above_5632" {
  command = plan
  variables {
    producer = { base_capacity = 8, max_capacity = 5640 }
  }
  expect_failures = [var.producer]
}

run "query_timeout_one_day_rejected" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 86400 } }
  }
  expect_failures = [var.consumers]
}

run "usage_limit_bad_period" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 10, period = "hourly" } }
  }
  expect_failures = [var.producer]
}

run "bad_vpc_cidr" {
  command = plan
  variables {
    vpc_cidr = "10.40.0.0/33"
  }
  expect_failures = [var.vpc_cidr]
}

run "share_to_unknown_consumer" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumers = ["c9"] } }
  }
  expect_failures = [var.datashares]
}
