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

# consumer name pattern: valid
run "consumer_name_20_chars" {
  command = plan
  variables {
    consumers = { aaaaaaaaaaaaaaaaaaaa = { base_capacity = 8 } }
  }
}

# consumer name pattern: valid
run "consumer_name_1_char" {
  command = plan
  variables {
    consumers = { a = { base_capacity = 8 } }
  }
}

# consumer name pattern: rejected
run "bad_consumer_name" {
  command = plan
  variables {
    consumers  = { "1st_consumer" = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

# consumer name pattern: rejected
run "consumer_name_21_chars" {
  command = plan
  variables {
    consumers = { aaaaaaaaaaaaaaaaaaaaa = { base_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# consumer name pattern: rejected
run "consumer_name_ends_with_hyphen" {
  command = plan
  variables {
    consumers = { "c1-" = { base_capacity = 8 } }
  }
  expect_failures = [var.consumers]
}

# reserved consumer names: valid
run "consumer_named_lb2" {
  command = plan
  variables {
    consumers = { lb2 = { base_capacity = 8 } }
  }
}

# reserved consumer names: rejected
run "reserved_consumer_name" {
  command = plan
  variables {
    consumers  = { producer = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

# reserved consumer names: rejected
run "reserved_consumer_name_lb" {
  command = plan
  variables {
    consumers  = { lb = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

# at least one consumer: valid
run "one_consumer" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8 } }
  }
}

# at least one consumer: rejected
run "no_consumer" {
  command = plan
  variables {
    consumers  = {}
    datashares = {}
  }
  expect_failures = [var.consumers]
}

# database and user identifiers: valid
run "database_name_63_chars" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", admin_username = "_admin" }
  }
}

# database and user identifiers: rejected
run "bad_database_name" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "Sales-DB" }
  }
  expect_failures = [var.producer]
}
