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

# vpc_cidr: valid
run "vpc_cidr_16" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.0/16"
  }
}

# vpc_cidr: valid
run "vpc_cidr_21" {
  command = plan
  variables {
    vpc_cidr = "10.40.8.0/21"
  }
}

# vpc_cidr: rejected
run "bad_vpc_cidr" {
  command = plan
  variables {
    vpc_cidr = "10.40.0.0/33"
  }
  expect_failures = [var.vpc_cidr]
}

# vpc_cidr: rejected
run "vpc_cidr_22" {
  command = plan
  variables {
    vpc_cidr = "10.40.0.0/22"
  }
  expect_failures = [var.vpc_cidr]
}

# vpc_cidr: rejected
run "vpc_cidr_15" {
  command = plan
  variables {
    vpc_cidr = "10.40.0.0/15"
  }
  expect_failures = [var.vpc_cidr]
}

# vpc_cidr: rejected
run "vpc_cidr_with_host_bits" {
  command = plan
  variables {
    vpc_cidr = "10.40.1.0/16"
  }
  expect_failures = [var.vpc_cidr]
}

# vpc_cidr: rejected
run "not_a_cidr" {
  command = plan
  variables {
    vpc_cidr = "10.400.0.0/16"
  }
  expect_failures = [var.vpc_cidr]
}

# existing VPC ids: valid
run "existing_vpc_id_ignored_with_create_vpc" {
  command = plan
  variables {
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-0a", "subnet-0b", "subnet-0c"]
  }
}

# existing VPC ids: rejected
run "existing_vpc_requires_ids" {
  command = plan
  variables {
    create_vpc = false
  }
  expect_failures = [var.existing_vpc_id, var.existing_subnet_ids]
}

# existing VPC ids: rejected
run "bad_existing_vpc_id" {
  command = plan
  variables {
    existing_vpc_id = "vpc-XYZ"
  }
  expect_failures = [var.existing_vpc_id]
}

# existing VPC ids: rejected
run "bad_existing_subnet_id" {
  command = plan
  variables {
    existing_subnet_ids = ["subnet-XYZ"]
  }
  expect_failures = [var.existing_subnet_ids]
}

# existing VPC ids: rejected
run "existing_subnets_repeated" {
  command = plan
  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-0a", "subnet-0a", "subnet-0b"]
  }
  expect_failures = [var.existing_subnet_ids]
}
