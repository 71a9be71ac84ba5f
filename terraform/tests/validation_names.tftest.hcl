# The rules Python shares are ONE table: tests/spec/rule_cases.py generates
# validation_cases.tftest.hcl; this file keeps the Terraform-only cases.
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

# --- reserved names and AWS tag rules (rsfleet's spec rejects the same: issue 13) --------

run "reserved_schema_pg_catalog" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["pg_catalog"] } }
  }
  expect_failures = [var.datashares]
}

run "reserved_schema_information_schema" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["information_schema"] } }
  }
  expect_failures = [var.datashares]
}

run "reserved_schema_in_a_table" {
  command = plan
  variables {
    datashares = { sales_share = { tables = ["pg_mine.t"] } }
  }
  expect_failures = [var.datashares]
}

run "reserved_consumer_database" {
  command = plan
  variables {
    datashares = { sales_share = { schemas = ["sales"], consumer_database = "template1" } }
  }
  expect_failures = [var.datashares]
}

run "reserved_producer_database" {
  command = plan
  variables {
    producer = { base_capacity = 8, database_name = "postgres" }
  }
  expect_failures = [var.producer]
}

run "too_many_tags" {
  command = plan
  variables {
    tags = { for i in range(46) : "k${i}" => "v" }
  }
  expect_failures = [var.tags]
}

run "tag_key_too_long" {
  command = plan
  variables {
    tags = { (join("", [for i in range(129) : "k"])) = "v" }
  }
  expect_failures = [var.tags]
}

run "tag_value_too_long" {
  command = plan
  variables {
    tags = { team = join("", [for i in range(257) : "v"]) }
  }
  expect_failures = [var.tags]
}

run "tag_aws_prefix" {
  command = plan
  variables {
    tags = { "aws:owner" = "me" }
  }
  expect_failures = [var.tags]
}

run "forty_five_tags_are_fine" {
  command = plan
  variables {
    tags = { for i in range(45) : "k${i}" => "v" }
  }
}
