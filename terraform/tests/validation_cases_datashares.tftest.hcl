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

# datashare identifiers: valid
run "datashare_schema_and_table" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales", "_x"], tables = ["ref.regions"], consumer_database = "sales_db" } }
  }
}

# datashare identifiers: rejected
run "bad_datashare_identifiers" {
  command = plan
  variables {
    datashares = { "Sales-Share" = { schemas = ["sales"] } }
  }
  expect_failures = [var.datashares]
}

# datashare identifiers: rejected
run "bad_schema_name" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["Sales"] } }
  }
  expect_failures = [var.datashares]
}

# datashare identifiers: rejected
run "bad_table_name" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["orders"] } }
  }
  expect_failures = [var.datashares]
}

# datashare identifiers: rejected
run "bad_consumer_database" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumer_database = "Sales-DB" } }
  }
  expect_failures = [var.datashares]
}

# datashare lists without repeats: rejected
run "schemas_repeated" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales", "sales"] } }
  }
  expect_failures = [var.datashares]
}

# datashare lists without repeats: rejected
run "tables_repeated" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["sales.a", "sales.a"] } }
  }
  expect_failures = [var.datashares]
}

# datashare lists without repeats: valid
run "tables_distinct" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["sales.a", "sales.b"] } }
  }
}

# datashare not empty: valid
run "datashare_of_one_table" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["sales.orders"] } }
  }
}

# datashare not empty: rejected
run "empty_datashare" {
  command = plan
  variables {
    datashares = { sales_share = {} }
  }
  expect_failures = [var.datashares]
}

# datashare consumers: valid
run "datashare_to_named_consumers" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumers = ["c1", "c2"] } }
  }
}

# datashare consumers: rejected
run "share_to_unknown_consumer" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumers = ["c9"] } }
  }
  expect_failures = [var.datashares]
}
