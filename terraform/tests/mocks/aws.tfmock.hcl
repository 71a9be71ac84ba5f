# Mock values for computed attributes, shared by the tftest files (mock_provider source).
# Everything else the mock provider fills with generated values.

mock_data "aws_availability_zones" {
  defaults = {
    names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    zone_ids = ["use1-az1", "use1-az2", "use1-az4", "use1-az6"]
  }
}

mock_data "aws_region" {
  defaults = {
    name = "us-east-1"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

# Existing subnets all in one AZ unless a test overrides them.
mock_data "aws_subnet" {
  defaults = {
    availability_zone          = "us-east-1a"
    availability_zone_id       = "use1-az1"
    vpc_id                     = "vpc-0123456789abcdef0"
    available_ip_address_count = 250
  }
}

mock_data "aws_vpc" {
  defaults = {
    cidr_block = "10.50.0.0/16"
  }
}

mock_data "aws_ec2_managed_prefix_list" {
  defaults = {
    id = "pl-63a5400a"
  }
}

mock_resource "aws_vpc" {
  defaults = {
    id = "vpc-0123456789abcdef0"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-1:123456789012:rsfleet-alarms"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vpc-flow-logs/rsfleet"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/rsfleet-role"
  }
}

mock_resource "aws_redshiftserverless_namespace" {
  defaults = {
    namespace_id              = "0d9a3a5e-8b7c-4f21-9e3d-2a1b0c9d8e7f"
    arn                       = "arn:aws:redshift-serverless:us-east-1:123456789012:namespace/0d9a3a5e-8b7c-4f21-9e3d-2a1b0c9d8e7f"
    admin_password_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!rsfleet-admin-AbCdEf"
  }
}

mock_resource "aws_redshiftserverless_workgroup" {
  defaults = {
    arn = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/5f4e3d2c-1b0a-4987-8654-3210fedcba98"
    endpoint = [{
      address      = "wg.123456789012.us-east-1.redshift-serverless.amazonaws.com"
      port         = 5439
      vpc_endpoint = []
    }]
  }
}

mock_resource "aws_redshiftserverless_endpoint_access" {
  defaults = {
    address = "ep.123456789012.us-east-1.redshift-serverless.amazonaws.com"
    port    = 5439
    vpc_endpoint = [{
      vpc_endpoint_id = "vpce-0123456789abcdef0"
      vpc_id          = "vpc-0123456789abcdef0"
      network_interface = [{
        availability_zone    = "us-east-1a"
        network_interface_id = "eni-0123456789abcdef0"
        private_ip_address   = "10.40.0.10"
        subnet_id            = "subnet-0123456789abcdef0"
      }]
    }]
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/rsfleet-dev-consumers/50dc6c495c0c9188"
    arn_suffix = "net/rsfleet-dev-consumers/50dc6c495c0c9188"
    dns_name   = "rsfleet-dev-consumers-50dc6c495c0c9188.elb.us-east-1.amazonaws.com"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rsfleet-dev-rs-5439/6d0ecf831eec9f09"
    arn_suffix = "targetgroup/rsfleet-dev-rs-5439/6d0ecf831eec9f09"
  }
}

mock_data "aws_servicequotas_service_quota" {
  defaults = {
    value = 1000
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-test/probe-login-20261201-AbCdEf"
  }
}
