# The rules rsfleet's spec shares with the variable validations are ONE table:
# tests/spec/rule_cases.py generates validation_cases_*.tftest.hcl. This file keeps the
# Terraform-only checks: the networking module's preconditions on existing subnets
# (expect_failures can only name root-module objects, so these runs test the module itself),
# offline with a mocked provider.
# Run: terraform -chdir=terraform test

mock_provider "aws" {
  source = "./tests/mocks"
}

run "existing_subnets_fewer_than_three_azs" {
  # the module's precondition stops the plan with a clear message
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
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
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
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }
  expect_failures = [aws_security_group.consumer]
}
