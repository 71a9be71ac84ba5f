# Each validation rule rejects bad input (expect_failures), offline with a mocked provider.
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

run "base_capacity_not_a_step_of_8" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 12 } }
  }
  expect_failures = [var.consumers]
}

run "producer_base_capacity_below_minimum" {
  command = plan
  variables {
    producer = { base_capacity = 2 }
  }
  expect_failures = [var.producer]
}

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

run "max_above_5632" {
  command = plan
  variables {
    producer = { base_capacity = 8, max_capacity = 5640 }
  }
  expect_failures = [var.producer]
}

run "usage_limit_bad_period" {
  command = plan
  variables {
    producer = { base_capacity = 8, usage_limit = { amount = 10, period = "hourly" } }
  }
  expect_failures = [var.producer]
}

run "query_timeout_out_of_range" {
  command = plan
  variables {
    consumers = { c1 = { base_capacity = 8, query_timeout_seconds = 30 } }
  }
  expect_failures = [var.consumers]
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

# --- network ------------------------------------------------------------------------------

run "bad_vpc_cidr" {
  command = plan
  variables {
    vpc_cidr = "10.40.0.0/24"
  }
  expect_failures = [var.vpc_cidr]
}

run "vpc_cidr_with_host_bits" {
  command = plan
  variables {
    vpc_cidr = "10.40.1.0/16"
  }
  expect_failures = [var.vpc_cidr]
}

run "not_a_cidr" {
  command = plan
  variables {
    vpc_cidr = "10.400.0.0/16"
  }
  expect_failures = [var.vpc_cidr]
}

run "bad_allowed_cidr" {
  command = plan
  variables {
    nlb = { allowed_cidrs = ["10.0.0.0/33"] }
  }
  expect_failures = [var.nlb]
}

run "existing_vpc_requires_ids" {
  command = plan
  variables {
    create_vpc = false
  }
  expect_failures = [var.existing_vpc_id, var.existing_subnet_ids]
}

run "existing_subnets_fewer_than_three_azs" {
  # expect_failures can only name root-module objects, so this run tests the networking
  # module directly; its precondition stops the plan with a clear message.
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name                = "rsfleet-test"
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000a2", "subnet-000000000000000b1"]
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", vpc_id = "vpc-0123456789abcdef0" }
  }
  expect_failures = [aws_security_group.consumer, aws_security_group.producer, output.subnet_ids_by_az]
}

run "existing_subnets_in_another_vpc" {
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name                = "rsfleet-test"
    create_vpc          = false
    existing_vpc_id     = "vpc-0aaaaaaaaaaaaaaaa"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", vpc_id = "vpc-0123456789abcdef0" }
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", vpc_id = "vpc-0123456789abcdef0" }
  }
  expect_failures = [aws_security_group.consumer]
}

# --- NLB ----------------------------------------------------------------------------------

run "no_consumer_behind_nlb" {
  command = plan
  variables {
    consumers = {
      c1 = { base_capacity = 8, behind_nlb = false }
      c2 = { base_capacity = 8, behind_nlb = false }
    }
  }
  expect_failures = [var.consumers]
}

run "health_check_interval_out_of_range" {
  command = plan
  variables {
    nlb = { health_check_interval = 3 }
  }
  expect_failures = [var.nlb]
}

run "health_check_timeout_above_interval" {
  command = plan
  variables {
    nlb = { health_check_interval = 10, health_check_timeout = 20 }
  }
  expect_failures = [var.nlb]
}

run "threshold_out_of_range" {
  command = plan
  variables {
    nlb = { unhealthy_threshold = 1 }
  }
  expect_failures = [var.nlb]
}

run "deregistration_delay_out_of_range" {
  command = plan
  variables {
    nlb = { deregistration_delay = 4000 }
  }
  expect_failures = [var.nlb]
}

run "bad_security_group_id" {
  command = plan
  variables {
    nlb = { allowed_security_group_ids = ["group-1"] }
  }
  expect_failures = [var.nlb]
}
