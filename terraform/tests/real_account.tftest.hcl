# Defects that only a real account showed, each caught here offline (mocked provider):
# S3 egress in an existing VPC, free IPs per subnet (AWS table per base RPU), zones by ID,
# the VPC endpoint set, no TLS listener, the target group's replaceable name.
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
    c2 = { base_capacity = 128 }
  }
}

run "created_vpc_endpoints_zone_ids_and_free_ips" {
  command = plan

  variables {
    availability_zone_ids = ["use1-az6", "use1-az1", "use1-az4"]
  }

  assert {
    condition     = output.network.zone_ids_by_az == { a = "use1-az6", b = "use1-az1", c = "use1-az4" }
    error_message = "subnets are placed by zone ID, in the order given"
  }

  assert {
    condition     = jsonencode(output.network.interface_endpoints) == jsonencode(sort(["ssm", "ssmmessages", "ec2messages", "elasticloadbalancing", "redshift-serverless", "secretsmanager"]))
    error_message = "the created VPC gets the interface endpoints the test instance and the controller need"
  }

  assert {
    condition     = toset(keys(output.network.gateway_prefix_list_ids)) == toset(["s3", "dynamodb"])
    error_message = "S3 and DynamoDB gateway endpoints on the created route tables"
  }

  # AWS table: 8 RPU -> 9, 128 RPU -> 37 free IPs; + 2 managed endpoints, NLB, 6 interface
  # endpoints, 2 spare.
  assert {
    condition     = local.free_ips_needed.total == 9 + 9 + 37 + 2 + 1 + 6 + 2 && local.free_ips_needed.largest == 37
    error_message = "free IPs per subnet from the AWS table"
  }
}

run "base_between_table_rows_takes_the_larger_row" {
  command = plan

  variables {
    consumers = { c1 = { base_capacity = 24 }, c2 = { base_capacity = 544 } }
  }

  assert {
    condition     = local.workgroup_ips == [9, 13, 261]
    error_message = "24 RPU uses the 32 RPU row (13), 544 RPU the 1024 RPU row (261)"
  }
}

run "existing_vpc_keeps_s3_egress_and_has_no_endpoints_by_default" {
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
    condition     = length(output.network.interface_endpoints) == 0 && length(output.network.gateway_prefix_list_ids) == 0 && output.network.endpoint_security_group_id == null
    error_message = "no endpoints in an existing VPC unless asked (existing ones would conflict)"
  }
}

run "existing_vpc_endpoints_on_given_route_tables" {
  command = plan

  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    vpc_endpoints = {
      enabled                  = true
      interface                = ["ssm", "ssmmessages", "ec2messages"]
      gateway                  = ["s3"]
      subnet_keys              = ["a"]
      existing_route_table_ids = ["rtb-0123456789abcdef0"]
    }
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
    condition     = jsonencode(output.network.route_table_ids) == jsonencode(["rtb-0123456789abcdef0"]) && jsonencode(keys(output.network.gateway_prefix_list_ids)) == jsonencode(["s3"]) && jsonencode(output.network.interface_endpoints) == jsonencode(["ec2messages", "ssm", "ssmmessages"])
    error_message = "gateway endpoint on the given route tables, the chosen interface endpoints"
  }
}

# --- single modules (their resources are addressable; expect_failures names their objects) ---

run "nlb_has_tcp_listener_only_and_a_replaceable_target_group" {
  command = plan
  module {
    source = "./modules/nlb"
  }
  variables {
    name               = "rsfleet-test"
    vpc_id             = "vpc-0123456789abcdef0"
    subnet_ids         = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }

  assert {
    condition     = aws_lb_listener.tcp.protocol == "TCP"
    error_message = "the NLB passes PostgreSQL sessions through over TCP"
  }

  assert {
    condition     = aws_lb_target_group.consumers.name_prefix == "rsfc-"
    error_message = "create_before_destroy needs a name AWS can make unique (name_prefix)"
  }
}

run "existing_vpc_producer_keeps_s3_egress" {
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name                = "rsfleet-test"
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
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

  assert {
    condition     = aws_vpc_security_group_egress_rule.producer_to_s3.prefix_list_id == "pl-63a5400a" && aws_vpc_security_group_egress_rule.producer_to_s3.from_port == 443
    error_message = "enhanced VPC routing stays on in an existing VPC: the producer still needs HTTPS to S3 (COPY/UNLOAD)"
  }
}

run "created_vpc_subnets_by_zone_id_and_private_dns_endpoints" {
  command = apply
  module {
    source = "./modules/networking"
  }
  variables {
    name                  = "rsfleet-test"
    availability_zone_ids = ["use1-az6", "use1-az1", "use1-az4"]
    interface_endpoints   = ["ssm", "ssmmessages", "ec2messages"]
  }

  assert {
    condition     = aws_subnet.private["a"].availability_zone_id == "use1-az6" && aws_subnet.private["c"].availability_zone_id == "use1-az4"
    error_message = "subnets are created by zone ID"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && length(e.subnet_ids) == 3 && e.vpc_endpoint_type == "Interface"])
    error_message = "interface endpoints answer the default service names (private DNS) in every AZ"
  }

  assert {
    condition     = aws_vpc_endpoint.interface["ssm"].service_name == "com.amazonaws.us-east-1.ssm" && aws_vpc_endpoint.gateway["s3"].vpc_endpoint_type == "Gateway"
    error_message = "endpoint service names are com.amazonaws.<region>.<service>"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_from_vpc[0].cidr_ipv4 == "10.40.0.0/16" && aws_vpc_security_group_egress_rule.client_to_s3.prefix_list_id == "pl-63a5400a"
    error_message = "endpoints admit HTTPS from the VPC; clients may reach S3 (artifact)"
  }
}

run "created_subnets_too_small_for_the_workgroups" {
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name            = "rsfleet-test"
    free_ips_needed = { total = 4 * 133 + 9, largest = 133 }
  }
  expect_failures = [aws_security_group.consumer]
}

run "existing_subnet_without_room_for_the_largest_workgroup" {
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name                = "rsfleet-test"
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    free_ips_needed     = { total = 60, largest = 37 }
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 20 }
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }
  expect_failures = [aws_security_group.consumer]
}

run "existing_subnets_missing_a_requested_zone_id" {
  command = plan
  module {
    source = "./modules/networking"
  }
  variables {
    name                  = "rsfleet-test"
    create_vpc            = false
    existing_vpc_id       = "vpc-0123456789abcdef0"
    existing_subnet_ids   = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    availability_zone_ids = ["use1-az1", "use1-az2", "use1-az6"]
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000b1"]
    values = { availability_zone = "us-east-1b", availability_zone_id = "use1-az2", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }
  override_data {
    target = data.aws_subnet.existing["subnet-000000000000000c1"]
    values = { availability_zone = "us-east-1c", availability_zone_id = "use1-az4", vpc_id = "vpc-0123456789abcdef0", available_ip_address_count = 250 }
  }
  expect_failures = [aws_security_group.consumer, aws_security_group.producer, output.subnet_ids_by_az]
}

run "audit_log_groups_created_with_retention_and_the_fleet_key" {
  command = plan
  module {
    source = "./modules/serverless-workgroup"
  }
  variables {
    name               = "rsfleet-test-c1"
    kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    base_capacity      = 8
    subnet_ids         = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1"]
    security_group_ids = ["sg-0123456789abcdef0"]
    log_retention_days = 90
  }

  assert {
    condition     = toset([for g in aws_cloudwatch_log_group.audit : g.name]) == toset(["/aws/redshift/rsfleet-test-c1/userlog", "/aws/redshift/rsfleet-test-c1/connectionlog", "/aws/redshift/rsfleet-test-c1/useractivitylog"])
    error_message = "one group per exported log, named as Redshift exports (/aws/redshift/<namespace>/<log_type>)"
  }

  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.audit : g.retention_in_days == 90 && g.kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"])
    error_message = "audit log groups expire and are encrypted with the fleet's key"
  }
}

run "budget_counts_the_fleet_tag_and_failed_queries_alarm_reads_a_published_series" {
  command = plan
  module {
    source = "./modules/monitoring"
  }
  variables {
    name                    = "rsfleet-test"
    workgroups              = { c1 = { name = "rsfleet-test-c1", max_capacity = 16 } }
    nlb_arn_suffix          = "net/rsfleet-test-consumers/50dc6c495c0c9188"
    target_group_arn_suffix = "targetgroup/rsfleet-test-rs-5439/6d0ecf831eec9f09"
    cost_allocation_tag     = { key = "Fleet", value = "rsfleet-test" }
  }

  assert {
    condition     = jsonencode([for f in aws_budgets_budget.redshift[0].cost_filter : [f.name, f.values]]) == jsonencode([["TagKeyValue", ["user:Fleet$rsfleet-test"]]])
    error_message = "the budget counts this fleet's tagged costs only"
  }

  # QueriesFailed is published with {QueryType, Workgroup} (and with Database), never with
  # Workgroup alone (serverless-audit-logging.html).
  assert {
    condition     = strcontains(one(aws_cloudwatch_metric_alarm.failed_queries["c1"].metric_query).expression, "SUM(QueriesFailed) FROM SCHEMA(\"AWS/Redshift-Serverless\", QueryType, Workgroup) WHERE Workgroup = 'rsfleet-test-c1'")
    error_message = "the alarm sums the {QueryType, Workgroup} series of QueriesFailed"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_queries["c1"].treat_missing_data == "notBreaching"
    error_message = "no data from an idle workgroup is not a failure"
  }
}

# --- the test instance installs rsfleet from the artifact, with no internet -----------------

run "no_artifact_no_test_instance" {
  command = plan

  assert {
    condition     = output.test_instance_id == null && output.artifact == null
    error_message = "without artifact_path there is nothing to install: no instance, no bucket"
  }
}

run "artifact_uploaded_and_test_instance_installs_from_it" {
  command = apply

  variables {
    artifact_path = "tests/fixtures/rsfleet-lambda.zip"
  }

  assert {
    condition     = output.artifact.key == "rsfleet-lambda/${filesha256("tests/fixtures/rsfleet-lambda.zip")}.zip" && output.artifact.sha256 == filesha256("tests/fixtures/rsfleet-lambda.zip")
    error_message = "the object key names the artifact's SHA-256"
  }

  assert {
    condition     = output.test_instance_id != null && output.test_instance_inputs.artifact == output.artifact
    error_message = "the fleet root creates the test instance when the artifact is there (loadtest --via-test-instance reads test_instance_id)"
  }

  assert {
    condition     = strcontains(module.test_instance[0].user_data, "aws s3 cp --region us-east-1 --only-show-errors 's3://${output.artifact.bucket}/${output.artifact.key}'") && strcontains(module.test_instance[0].user_data, "${output.artifact.sha256}  /tmp/rsfleet-lambda.zip' | sha256sum -c -")
    error_message = "user data downloads the artifact from S3 and checks its hash"
  }

  assert {
    condition     = strcontains(module.test_instance[0].user_data, "PYTHONPATH=/opt/rsfleet exec /usr/bin/python3.12 -m rsfleet") && !strcontains(module.test_instance[0].user_data, "pip install")
    error_message = "rsfleet runs from the unzipped artifact with python3.12; no pip (no internet)"
  }
}

run "test_instance_found_by_name_private_imdsv2" {
  command = plan
  module {
    source = "./modules/test-instance"
  }
  variables {
    name                     = "rsfleet-test-test"
    aws_region               = "us-east-1"
    subnet_id                = "subnet-000000000000000a1"
    client_security_group_id = "sg-0123456789abcdef0"
    artifact                 = { bucket = "rsfleet-test-artifacts-x", key = "rsfleet-lambda/${filesha256("tests/fixtures/rsfleet-lambda.zip")}.zip", sha256 = filesha256("tests/fixtures/rsfleet-lambda.zip") }
    kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
  }

  assert {
    condition     = aws_instance.this.tags["Name"] == "rsfleet-test-test" && aws_instance.this.associate_public_ip_address == false && aws_instance.this.metadata_options[0].http_tokens == "required"
    error_message = "found by its Name tag; private; IMDSv2"
  }
}

run "test_instance_needs_exactly_one_install_source" {
  command = plan
  module {
    source = "./modules/test-instance"
  }
  variables {
    name                     = "rsfleet-test-test"
    aws_region               = "us-east-1"
    subnet_id                = "subnet-000000000000000a1"
    client_security_group_id = "sg-0123456789abcdef0"
  }
  expect_failures = [aws_instance.this]
}
