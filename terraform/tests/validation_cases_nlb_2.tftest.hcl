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

# nlb timeout below interval: rejected
run "health_check_timeout_above_interval" {
  command = plan
  variables {
    nlb = { health_check_interval = 10, health_check_timeout = 20 }
  }
  expect_failures = [var.nlb]
}

# nlb timeout below interval: rejected
run "health_check_timeout_equal_to_interval" {
  command = plan
  variables {
    nlb = { health_check_interval = 5, health_check_timeout = 5 }
  }
  expect_failures = [var.nlb]
}

# nlb thresholds: valid
run "thresholds_10" {
  command = plan
  variables {
    nlb = { healthy_threshold = 10, unhealthy_threshold = 10 }
  }
}

# nlb thresholds: rejected
run "threshold_out_of_range" {
  command = plan
  variables {
    nlb = { unhealthy_threshold = 1 }
  }
  expect_failures = [var.nlb]
}

# nlb thresholds: rejected
run "healthy_threshold_11" {
  command = plan
  variables {
    nlb = { healthy_threshold = 11 }
  }
  expect_failures = [var.nlb]
}

# nlb thresholds: rejected
run "threshold_not_whole" {
  command = plan
  variables {
    nlb = { healthy_threshold = 2.5 }
  }
  expect_failures = [var.nlb]
}

# nlb.deregistration_delay: valid
run "deregistration_delay_0" {
  command = plan
  variables {
    nlb = { deregistration_delay = 0 }
  }
}

# nlb.deregistration_delay: valid
run "deregistration_delay_3600" {
  command = plan
  variables {
    nlb = { deregistration_delay = 3600 }
  }
}

# nlb.deregistration_delay: rejected
run "deregistration_delay_out_of_range" {
  command = plan
  variables {
    nlb = { deregistration_delay = 4000 }
  }
  expect_failures = [var.nlb]
}

# nlb.deregistration_delay: rejected
run "deregistration_delay_negative" {
  command = plan
  variables {
    nlb = { deregistration_delay = -1 }
  }
  expect_failures = [var.nlb]
}

# nlb clients: valid
run "allowed_clients" {
  command = plan
  variables {
    nlb = { allowed_cidrs = ["10.0.0.0/8"], allowed_security_group_ids = ["sg-0123abcd"] }
  }
}

# nlb clients: rejected
run "bad_allowed_cidr" {
  command = plan
  variables {
    nlb = { allowed_cidrs = ["10.0.0.0/33"] }
  }
  expect_failures = [var.nlb]
}
