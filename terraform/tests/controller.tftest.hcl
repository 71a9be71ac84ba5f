# The root module with the readiness controller enabled (mock provider): one singleton
# controller wired to the fleet's subnets, consumers, target group and alarms.
# Run: terraform -chdir=terraform test -filter=tests/controller.tftest.hcl

mock_provider "aws" {
  source = "./tests/mocks"

  # ARN-shaped values where the provider validates ARNs (the shared mocks leave them random)
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:rsfleet-test-controller-dlq"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:us-east-1:123456789012:function:rsfleet-test-controller"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/rsfleet-test-controller"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rsfleet-test-controller"
    }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:us-east-1:123456789012:table/rsfleet-test-controller"
    }
  }
}

variables {
  project_name = "rsfleet"
  environment  = "test"
  aws_region   = "us-east-1"
  producer = {
    base_capacity = 8
  }
  consumers = {
    c1 = { base_capacity = 8 }
    c2 = { base_capacity = 8 }
    c3 = { base_capacity = 8, behind_nlb = false }
  }
  datashares = {
    sales_share = {
      schemas           = ["sales"]
      consumer_database = "sales_db"
    }
  }
  controller = {
    enabled          = true
    interval_seconds = 5
    probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-test-probe-AbCdEf"
  }
  # The controller owns target membership (Terraform refuses it with
  # register_targets_with_terraform = true).
  nlb           = { register_targets_with_terraform = false }
  artifact_path = "modules/controller/tests/empty.zip"
}

run "singleton_controller_wired_to_the_fleet" {
  command = apply

  assert {
    condition     = length(module.controller) == 1 && output.controller.state_table == "rsfleet-test-controller" && output.controller.fleet == "rsfleet/test"
    error_message = "one controller; the CLI finds its state table in output.controller"
  }

  assert {
    condition     = length(module.controller[0].function_name) > 0 && module.controller[0].schedule_name == "rsfleet-test-controller"
    error_message = "the function and its every-minute schedule exist"
  }

  assert {
    condition     = length([for n in module.monitoring.alarm_names : n if startswith(n, "rsfleet-test-controller-")]) == 3
    error_message = "errors, dead letters and no-successful-pass alarms for the controller"
  }

  assert {
    condition     = jsondecode(module.controller[0].spec_json).consumers["c3"].behind_nlb == false && length(jsondecode(module.controller[0].spec_json).consumers) == 3
    error_message = "the handler gets the spec's consumers"
  }

  assert {
    condition     = jsondecode(module.controller[0].spec_json).rotation.enabled == false && jsondecode(module.controller[0].spec_json).rotation.target_sessions_per_consumer == 50
    error_message = "the handler gets the spec's rotation block (defaults when the spec has none)"
  }

  assert {
    condition     = output.test_instance_inputs.drain_access.state_table_arn == "arn:aws:dynamodb:us-east-1:123456789012:table/rsfleet-test-controller" && output.test_instance_inputs.drain_access.state_kms_key_arn != null && output.test_instance_inputs.drain_access.target_group_arn == module.nlb.target_group_arn
    error_message = "the test instance (fleet root or terraform/test-instance) may drain through the controller's table"
  }
}

run "disabled_by_default" {
  command = plan

  variables {
    controller = {}
  }

  assert {
    condition     = length(module.controller) == 0 && output.controller == null
    error_message = "no controller unless the spec enables it"
  }
}

run "enabled_without_artifact_is_refused" {
  command = plan

  variables {
    artifact_path = null
  }

  expect_failures = [var.controller]
}

# The function must reach the APIs it calls: through the VPC endpoints, or else a NAT.
run "endpoints_cover_the_controller_no_nat_egress" {
  command = plan

  assert {
    condition     = length(module.controller[0].https_egress_cidrs) == 0
    error_message = "created VPC with the default endpoints: HTTPS only to the endpoints"
  }
}

run "existing_vpc_without_endpoints_reaches_the_apis_through_its_nat" {
  command = plan

  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  assert {
    condition     = module.controller[0].https_egress_cidrs == tolist(["0.0.0.0/0"])
    error_message = "no endpoints in an existing VPC: the controller needs HTTPS out through the NAT"
  }
}

# Review finding 1: endpoints enabled in an existing VPC but no route tables given: no gateway
# endpoint is created, so DynamoDB is reached through the NAT (the egress rule used to get a
# null prefix list and the plan failed).
run "existing_vpc_endpoints_without_route_tables_reach_dynamodb_through_the_nat" {
  command = plan

  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    vpc_endpoints       = { enabled = true }
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  assert {
    condition     = length(module.networking.gateway_services) == 0 && module.controller[0].https_egress_cidrs == tolist(["0.0.0.0/0"])
    error_message = "no gateway endpoint without route tables: the controller needs HTTPS out (DynamoDB through the NAT)"
  }
}

# Review finding 8: the existing VPC already has the gateway endpoints and the controller's
# interface endpoints (private DNS): none of them is created again, the controller reaches
# them inside the VPC (DynamoDB's prefix list, HTTPS to the VPC CIDR), no NAT egress.
run "existing_vpc_with_its_own_endpoints_creates_none_of_them" {
  command = plan

  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    vpc_endpoints = {
      enabled                  = true
      existing_route_table_ids = ["rtb-0123456789abcdef0"]
      existing                 = ["s3", "dynamodb", "elasticloadbalancing", "redshift-serverless", "secretsmanager"]
    }
  }

  override_data {
    target = module.networking.data.aws_vpc.existing[0]
    values = { cidr_block = "10.9.0.0/16" }
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  override_data {
    target = module.networking.data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }

  assert {
    condition     = length(module.networking.gateway_services) == 0 && toset(keys(module.networking.interface_endpoint_ids)) == toset(["ssm", "ssmmessages", "ec2messages"])
    error_message = "the VPC's own endpoints are not created again (RouteAlreadyExists, conflicting private DNS); the others are"
  }

  assert {
    condition     = module.controller[0].https_egress_cidrs == tolist(["10.9.0.0/16"])
    error_message = "the controller reaches the VPC's own interface endpoints on the VPC CIDR, nothing through a NAT"
  }
}

run "existing_endpoints_in_a_created_vpc_are_refused" {
  command = plan

  variables {
    vpc_endpoints = { existing = ["dynamodb"] }
  }

  expect_failures = [var.vpc_endpoints]
}

run "created_vpc_without_the_controllers_endpoints_is_refused" {
  command = plan

  variables {
    vpc_endpoints = {
      interface = ["ssm", "ssmmessages", "ec2messages"]
    }
  }

  expect_failures = [var.controller]
}

# The spec names a probe secret: the controller uses it, none is created.
run "named_probe_secret_is_used_as_is" {
  command = plan

  assert {
    condition     = length(module.controller[0].probe_secret_arn) > 0 && output.probe_secret_arn == var.controller.probe_secret_arn
    error_message = "the spec's probe secret is the controller's and the fleet's output"
  }
}

# No probe secret in the spec (staging/prod as shipped): the controller module creates an
# empty one (rsfleet share apply fills it) and the function probes with it.
run "probe_secret_created_when_the_spec_names_none" {
  command = apply

  variables {
    controller = { enabled = true }
  }

  assert {
    condition     = output.probe_secret_arn == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-test/probe-login-20261201-AbCdEf" && module.controller[0].probe_secret_arn == output.probe_secret_arn
    error_message = "the created secret is the controller's probe secret and the fleet's output probe_secret_arn"
  }
}

# Your probe secret under a customer managed key: the root passes the spec's key to the
# module and the function may decrypt with it (through Secrets Manager only).
run "probe_secret_kms_key_is_granted_decrypt" {
  command = plan

  variables {
    controller = {
      enabled                  = true
      probe_secret_arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-test-probe-AbCdEf"
      probe_secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    }
  }

  assert {
    condition     = one([for s in module.controller[0].iam_statements : s.resources if s.sid == "ProbeSecretKey"]) == toset([var.controller.probe_secret_kms_key_arn]) && one([for s in module.controller[0].iam_statements : s.actions if s.sid == "ProbeSecretKey"]) == toset(["kms:Decrypt"])
    error_message = "the function may kms:Decrypt with the spec's probe_secret_kms_key_arn, and nothing else on that key"
  }
}

# Without a key in the spec the function gets no grant on any key but the controller's own.
run "no_probe_secret_kms_key_no_grant" {
  command = plan

  assert {
    condition     = length([for s in module.controller[0].iam_statements : s if s.sid == "ProbeSecretKey"]) == 0
    error_message = "no probe_secret_kms_key_arn: no ProbeSecretKey statement"
  }
}
