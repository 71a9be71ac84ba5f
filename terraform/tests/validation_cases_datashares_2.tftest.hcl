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

# datashare consumers: rejected
run "unknown_consumer_in_datashare" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumers = ["c1", "c9"] } }
  }
  expect_failures = [var.datashares]
}

# datashare consumers: rejected
run "star_and_names" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumers = ["*", "c1"] } }
  }
  expect_failures = [var.datashares]
}

# reserved schemas and databases: valid
run "schema_named_pgx" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["pgx"] } }
  }
}

# reserved schemas and databases: rejected
run "reserved_schema_pg_catalog" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["pg_catalog"] } }
  }
  expect_failures = [var.datashares]
}

# reserved schemas and databases: rejected
run "reserved_schema_information_schema" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["information_schema"] } }
  }
  expect_failures = [var.datashares]
}

# reserved schemas and databases: rejected
run "reserved_schema_in_a_table" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["pg_mine.t"] } }
  }
  expect_failures = [var.datashares]
}

# reserved schemas and databases: rejected
run "reserved_consumer_database" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumer_database = "template1" } }
  }
  expect_failures = [var.datashares]
}

# consumer_database unique: valid
run "two_shares_two_databases" {
  command = plan
  variables {
    datashares = { a = { schemas = ["sales"] }, b = { schemas = ["ops"] } }
  }
}

# consumer_database unique: rejected
run "duplicate_consumer_database" {
  command = plan
  variables {
    datashares = { a = { schemas = ["sales"], consumer_database = "shared" }, b = { schemas = ["ops"], consumer_database = "shared" } }
  }
  expect_failures = [var.datashares]
}

# consumer_database unique: rejected
run "consumer_database_equals_a_default" {
  command = plan
  variables {
    datashares = { a = { schemas = ["sales"], consumer_database = "b_db" }, b = { schemas = ["ops"] } }
  }
  expect_failures = [var.datashares]
}
