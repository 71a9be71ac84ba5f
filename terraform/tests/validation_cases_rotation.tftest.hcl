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

# rotation with rsfleet owning targets: valid
run "rotation_enabled" {
  command = plan
  variables {
    rotation = { enabled = true, min_in_rotation = 1, max_in_rotation = 2, target_sessions_per_consumer = 50, scale_in_after_seconds = 600 }
    nlb      = { register_targets_with_terraform = false }
  }
}

# rotation with rsfleet owning targets: valid
run "rotation_disabled_with_terraform_targets" {
  command = plan
  variables {
    rotation = { enabled = false, min_in_rotation = 2 }
  }
}

# rotation with rsfleet owning targets: rejected
run "rotation_with_terraform_targets" {
  command = plan
  variables {
    rotation = { enabled = true }
  }
  expect_failures = [var.rotation]
}

# rotation.min_in_rotation: valid
run "rotation_min_1" {
  command = plan
  variables {
    rotation = { min_in_rotation = 1 }
  }
}

# rotation.min_in_rotation: rejected
run "rotation_min_0" {
  command = plan
  variables {
    rotation = { min_in_rotation = 0 }
  }
  expect_failures = [var.rotation]
}

# rotation.min_in_rotation: rejected
run "rotation_min_not_whole" {
  command = plan
  variables {
    rotation = { min_in_rotation = 1.5 }
  }
  expect_failures = [var.rotation]
}

# rotation.max_in_rotation: valid
run "rotation_max_null" {
  command = plan
  variables {
    rotation = { max_in_rotation = null }
  }
}

# rotation.max_in_rotation: valid
run "rotation_max_equal_to_min" {
  command = plan
  variables {
    rotation = { min_in_rotation = 2, max_in_rotation = 2 }
  }
}

# rotation.max_in_rotation: rejected
run "rotation_max_below_min" {
  command = plan
  variables {
    rotation = { min_in_rotation = 2, max_in_rotation = 1 }
  }
  expect_failures = [var.rotation]
}

# rotation.max_in_rotation: rejected
run "rotation_max_not_whole" {
  command = plan
  variables {
    rotation = { max_in_rotation = 1.5 }
  }
  expect_failures = [var.rotation]
}

# rotation within the consumers behind the NLB: valid
run "rotation_min_all_behind_nlb" {
  command = plan
  variables {
    rotation = { min_in_rotation = 2 }
  }
}

# rotation within the consumers behind the NLB: rejected
run "rotation_min_above_behind_nlb" {
  command = plan
  variables {
    rotation = { min_in_rotation = 3 }
  }
  expect_failures = [var.rotation]
}
