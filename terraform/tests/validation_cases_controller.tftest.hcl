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

# controller.interval_seconds: valid
run "controller_interval_1" {
  command = plan
  variables {
    controller = { interval_seconds = 1 }
  }
}

# controller.interval_seconds: valid
run "controller_interval_60" {
  command = plan
  variables {
    controller = { interval_seconds = 60 }
  }
}

# controller.interval_seconds: rejected
run "controller_interval_below_1" {
  command = plan
  variables {
    controller = { interval_seconds = 0.5 }
  }
  expect_failures = [var.controller]
}

# controller.interval_seconds: rejected
run "controller_interval_61" {
  command = plan
  variables {
    controller = { interval_seconds = 61 }
  }
  expect_failures = [var.controller]
}

# controller data checks: valid
run "controller_data_checks_at_bounds" {
  command = plan
  variables {
    controller = { data_check_seconds = 0, data_retry_seconds = 86400 }
  }
}

# controller data checks: rejected
run "controller_data_check_negative" {
  command = plan
  variables {
    controller = { data_check_seconds = -1 }
  }
  expect_failures = [var.controller]
}

# controller data checks: rejected
run "controller_data_retry_above_a_day" {
  command = plan
  variables {
    controller = { data_retry_seconds = 86401 }
  }
  expect_failures = [var.controller]
}

# controller rise and fall: valid
run "controller_rise_fall_bounds" {
  command = plan
  variables {
    controller = { rise = 1, fall = 10 }
  }
}

# controller rise and fall: rejected
run "controller_rise_0" {
  command = plan
  variables {
    controller = { rise = 0 }
  }
  expect_failures = [var.controller]
}

# controller rise and fall: rejected
run "controller_fall_11" {
  command = plan
  variables {
    controller = { fall = 11 }
  }
  expect_failures = [var.controller]
}

# controller rise and fall: rejected
run "controller_rise_not_whole" {
  command = plan
  variables {
    controller = { rise = 1.5 }
  }
  expect_failures = [var.controller]
}

# controller.probe_secret_arn: valid
run "controller_probe_secret" {
  command = plan
  variables {
    controller = { probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-reader" }
  }
}
