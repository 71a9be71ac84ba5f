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

# rotation within the consumers behind the NLB: rejected
run "rotation_max_above_behind_nlb" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, behind_nlb = false }, c2 = { base_capacity = 8 } }
    rotation  = { max_in_rotation = 2 }
  }
  expect_failures = [var.rotation]
}

# rotation.target_sessions_per_consumer: valid
run "rotation_target_bounds" {
  command = plan
  variables {
    rotation = { target_sessions_per_consumer = 1 }
  }
}

# rotation.target_sessions_per_consumer: valid
run "rotation_target_10000" {
  command = plan
  variables {
    rotation = { target_sessions_per_consumer = 10000 }
  }
}

# rotation.target_sessions_per_consumer: rejected
run "rotation_target_0" {
  command = plan
  variables {
    rotation = { target_sessions_per_consumer = 0 }
  }
  expect_failures = [var.rotation]
}

# rotation.target_sessions_per_consumer: rejected
run "rotation_target_10001" {
  command = plan
  variables {
    rotation = { target_sessions_per_consumer = 10001 }
  }
  expect_failures = [var.rotation]
}

# rotation.scale_in_after_seconds: valid
run "rotation_scale_in_bounds" {
  command = plan
  variables {
    rotation = { scale_in_after_seconds = 0 }
  }
}

# rotation.scale_in_after_seconds: valid
run "rotation_scale_in_a_day" {
  command = plan
  variables {
    rotation = { scale_in_after_seconds = 86400 }
  }
}

# rotation.scale_in_after_seconds: rejected
run "rotation_scale_in_negative" {
  command = plan
  variables {
    rotation = { scale_in_after_seconds = -1 }
  }
  expect_failures = [var.rotation]
}

# rotation.scale_in_after_seconds: rejected
run "rotation_scale_in_above_a_day" {
  command = plan
  variables {
    rotation = { scale_in_after_seconds = 86401 }
  }
  expect_failures = [var.rotation]
}

# rotation.scale_in_after_seconds: rejected
run "rotation_scale_in_not_whole" {
  command = plan
  variables {
    rotation = { scale_in_after_seconds = 1.5 }
  }
  expect_failures = [var.rotation]
}
