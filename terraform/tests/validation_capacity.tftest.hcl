# The rules Python shares are ONE table: tests/spec/rule_cases.py generates
# validation_cases.tftest.hcl; this file keeps the Terraform-only cases.
# Each validation rule rejects bad input (expect_failures), offline with a mocked provider:
# capacity, usage limits, query timeout.
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

run "baseline_is_valid" {
  command = plan
}

# --- capacity -----------------------------------------------------------------------------

run "base_capacity_above_512_not_step_of_32" {
  command = plan
  variables {
    producer = { base_capacity = 520 }
  }
  expect_failures = [var.producer]
}

run "base_capacity_1024_allowed_in_us_east_1" {
  command = plan
  variables {
    producer = { base_capacity = 1024 }
  }
}

run "base_capacity_1024_outside_allowed_regions" {
  command = plan
  variables {
    aws_region = "ap-southeast-2"
    producer   = { base_capacity = 1024 }
    consumers  = { c1 = { base_capacity = 544 } }
  }
  expect_failures = [var.producer, var.consumers]
}

run "max_below_base" {
  command = plan
  variables {
    producer  = { base_capacity = 64, max_capacity = 32 }
    consumers = { c1 = { base_capacity = 16, max_capacity = 8 } }
  }
  expect_failures = [var.producer, var.consumers]
}

run "max_not_a_multiple_of_8" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, max_capacity = 20 } }
  }
  expect_failures = [var.consumers]
}

run "query_timeout_out_of_range" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 30 } }
  }
  expect_failures = [var.consumers]
}

# AWS allows max_query_execution_time 0-86,399; 86,400 was accepted here and refused by AWS.

run "query_timeout_aws_maximum_accepted" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 86399 } }
  }
}

# 1,024 RPU in eu-west-2: listed by "Considerations when using Amazon Redshift Serverless".
run "base_capacity_1024_allowed_in_eu_west_2" {
  command = plan
  variables {
    aws_region = "eu-west-2"
    producer   = { base_capacity = 1024 }
  }
}
