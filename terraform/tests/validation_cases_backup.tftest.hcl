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

# backup.schedule: valid
run "backup_defaults" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = {} }
  }
}

# backup.schedule: valid
run "backup_rate_1_day" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "rate(1 day)" } }
  }
}

# backup.schedule: valid
run "backup_cron" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "cron(15 0/6 * * ? *)" } }
  }
}

# backup.schedule: rejected
run "backup_rate_5_hours" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "rate(5 hours)" } }
  }
  expect_failures = [var.producer]
}

# backup.schedule: rejected
run "backup_schedule_not_rate_or_cron" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "every 12 hours" } }
  }
  expect_failures = [var.producer]
}

# backup.schedule: rejected
run "backup_cron_5_fields" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "cron(0 0 * * ?)" } }
  }
  expect_failures = [var.producer]
}

# backup.schedule: rejected
run "backup_cron_two_question_marks" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "cron(0 0 ? * ? *)" } }
  }
  expect_failures = [var.producer]
}

# backup.schedule: rejected
run "backup_cron_minute_60" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { schedule = "cron(60 0 * * ? *)" } }
  }
  expect_failures = [var.producer]
}

# backup retention: valid
run "backup_retention_bounds" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { retention_days = 3653, copy = { region = "us-west-2", retention_days = 1 } } }
  }
}

# backup retention: rejected
run "backup_retention_0" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { retention_days = 0 } }
  }
  expect_failures = [var.producer]
}

# backup retention: rejected
run "backup_retention_3654" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { retention_days = 3654 } }
  }
  expect_failures = [var.producer]
}

# backup retention: rejected
run "backup_copy_retention_0" {
  command = plan
  variables {
    producer = { base_capacity = 8, backup = { copy = { region = "us-west-2", retention_days = 0 } } }
  }
  expect_failures = [var.producer]
}
