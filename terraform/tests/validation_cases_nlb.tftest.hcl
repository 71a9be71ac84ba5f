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

# nlb.port: valid
run "nlb_port_65535" {
  command = plan
  variables {
    nlb = { port = 65535 }
  }
}

# nlb.port: rejected
run "nlb_port_0" {
  command = plan
  variables {
    nlb = { port = 0 }
  }
  expect_failures = [var.nlb]
}

# nlb.port: rejected
run "nlb_port_65536" {
  command = plan
  variables {
    nlb = { port = 65536 }
  }
  expect_failures = [var.nlb]
}

# nlb.health_check_interval: valid
run "health_check_interval_5" {
  command = plan
  variables {
    nlb = { health_check_interval = 5, health_check_timeout = 2 }
  }
}

# nlb.health_check_interval: valid
run "health_check_interval_300" {
  command = plan
  variables {
    nlb = { health_check_interval = 300 }
  }
}

# nlb.health_check_interval: rejected
run "health_check_interval_out_of_range" {
  command = plan
  variables {
    nlb = { health_check_interval = 3 }
  }
  expect_failures = [var.nlb]
}

# nlb.health_check_interval: rejected
run "health_check_interval_301" {
  command = plan
  variables {
    nlb = { health_check_interval = 301 }
  }
  expect_failures = [var.nlb]
}

# nlb.health_check_interval: rejected
run "health_check_interval_not_whole" {
  command = plan
  variables {
    nlb = { health_check_interval = 10.5 }
  }
  expect_failures = [var.nlb]
}

# nlb.health_check_timeout: valid
run "health_check_timeout_120" {
  command = plan
  variables {
    nlb = { health_check_interval = 300, health_check_timeout = 120 }
  }
}

# nlb.health_check_timeout: rejected
run "health_check_timeout_1" {
  command = plan
  variables {
    nlb = { health_check_timeout = 1 }
  }
  expect_failures = [var.nlb]
}

# nlb.health_check_timeout: rejected
run "health_check_timeout_121" {
  command = plan
  variables {
    nlb = { health_check_interval = 300, health_check_timeout = 121 }
  }
  expect_failures = [var.nlb]
}

# nlb timeout below interval: valid
run "health_check_timeout_just_below_interval" {
  command = plan
  variables {
    nlb = { health_check_interval = 6, health_check_timeout = 5 }
  }
}
