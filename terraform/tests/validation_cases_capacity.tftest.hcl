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

# base_capacity steps: valid
run "base_capacity_4" {
  command = plan
  variables {
    producer = { base_capacity = 4 }
  }
}

# base_capacity steps: valid
run "base_capacity_512" {
  command = plan
  variables {
    producer = { base_capacity = 512 }
  }
}

# base_capacity steps: valid
run "base_capacity_544" {
  command = plan
  variables {
    producer = { base_capacity = 544 }
  }
}

# base_capacity steps: valid
run "base_capacity_1024_allowed_in_us_east_1" {
  command = plan
  variables {
    producer = { base_capacity = 1024 }
  }
}

# base_capacity steps: rejected
run "producer_base_capacity_below_minimum" {
  command = plan
  variables {
    producer = { base_capacity = 2 }
  }
  expect_failures = [var.producer]
}

# base_capacity steps: rejected
run "base_capacity_not_a_step_of_8" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 12 } }
  }
  expect_failures = [var.consumers]
}

# base_capacity steps: rejected
run "base_capacity_above_512_not_step_of_32" {
  command = plan
  variables {
    producer = { base_capacity = 520 }
  }
  expect_failures = [var.producer]
}

# base_capacity steps: rejected
run "base_capacity_above_1024" {
  command = plan
  variables {
    producer = { base_capacity = 1056 }
  }
  expect_failures = [var.producer]
}

# 1024 RPU regions: valid
run "base_capacity_1024_allowed_in_eu_west_2" {
  command = plan
  variables {
    aws_region = "eu-west-2"
    producer   = { base_capacity = 1024 }
  }
}

# 1024 RPU regions: valid
run "base_capacity_512_anywhere" {
  command = plan
  variables {
    aws_region = "ap-southeast-2"
    producer   = { base_capacity = 512 }
  }
}

# 1024 RPU regions: rejected
run "base_capacity_1024_outside_allowed_regions" {
  command = plan
  variables {
    aws_region = "ap-southeast-2"
    producer   = { base_capacity = 1024 }
    consumers  = { c1 = { base_capacity = 544 } }
  }
  expect_failures = [var.producer, var.consumers]
}

# max_capacity >= base_capacity: valid
run "max_equal_to_base" {
  command = plan
  variables {
    producer = { base_capacity = 8, max_capacity = 8 }
  }
}
