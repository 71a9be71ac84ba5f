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

# database and user identifiers: rejected
run "database_name_64_chars" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" }
  }
  expect_failures = [var.producer]
}

# database and user identifiers: rejected
run "bad_admin_username" {
  command = plan
  variables {
    producer = { base_capacity = 8, admin_username = "Admin" }
  }
  expect_failures = [var.producer]
}

# reserved databases: valid
run "database_named_postgres_db" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "postgres_db" }
  }
}

# reserved databases: rejected
run "reserved_producer_database" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "postgres" }
  }
  expect_failures = [var.producer]
}

# reserved databases: rejected
run "reserved_producer_database_template0" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "template0" }
  }
  expect_failures = [var.producer]
}
