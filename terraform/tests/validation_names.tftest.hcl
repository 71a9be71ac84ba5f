# Each validation rule rejects bad input (expect_failures), offline with a mocked provider:
# names, identifiers, datashares.
# Run: terraform -chdir=terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  project_name = "rsfleet"
  environment  = "test"
  aws_region   = "us-east-1"
  producer     = { base_capacity = 8 }
  consumers = {
    c1 = { base_capacity = 8 }
    c2 = { base_capacity = 8 }
  }
  datashares = {
    sales_share = { schemas = ["sales"] }
  }
}

# --- names --------------------------------------------------------------------------------

run "bad_project_name" {
  command = plan
  variables {
    project_name = "RS_Fleet"
  }
  expect_failures = [var.project_name]
}

run "bad_environment" {
  command = plan
  variables {
    environment = "dev-"
  }
  expect_failures = [var.environment]
}

run "bad_region" {
  command = plan
  variables {
    aws_region = "useast1"
  }
  expect_failures = [var.aws_region]
}

run "bad_consumer_name" {
  command = plan
  variables {
    consumers  = { "1st_consumer" = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

run "reserved_consumer_name" {
  command = plan
  variables {
    consumers  = { producer = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

run "reserved_consumer_name_lb" {
  command = plan
  variables {
    consumers  = { lb = { base_capacity = 8 } }
    datashares = {}
  }
  expect_failures = [var.consumers]
}

run "bad_database_name" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "Sales-DB" }
  }
  expect_failures = [var.producer]
}

run "bad_datashare_identifiers" {
  command = plan
  variables {
    datashares = {
      "Sales-Share" = { schemas = ["sales"] }
    }
  }
  expect_failures = [var.datashares]
}

run "bad_table_name" {
  command = plan
  variables {
    datashares = {
      sales_share = { tables = ["orders"] }
    }
  }
  expect_failures = [var.datashares]
}

run "empty_datashare" {
  command = plan
  variables {
    datashares = {
      sales_share = {}
    }
  }
  expect_failures = [var.datashares]
}

run "unknown_consumer_in_datashare" {
  command = plan
  variables {
    datashares = {
      sales_share = { schemas = ["sales"], consumers = ["c1", "c9"] }
    }
  }
  expect_failures = [var.datashares]
}

run "duplicate_consumer_database" {
  command = plan
  variables {
    datashares = {
      a = { schemas = ["sales"], consumer_database = "shared" }
      b = { schemas = ["ops"], consumer_database = "shared" }
    }
  }
  expect_failures = [var.datashares]
}
