# Offline tests of the root module with a mocked AWS provider: resource counts, outputs,
# target attachments. Run: terraform -chdir=terraform test

mock_provider "aws" {
  source = "./tests/mocks"
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
    c2 = { base_capacity = 8, max_capacity = 32 }
    c3 = { base_capacity = 16, behind_nlb = false }
  }
  datashares = {
    sales_share = {
      schemas           = ["sales"]
      consumer_database = "sales_db"
    }
  }
}

run "three_consumers" {
  command = apply

  assert {
    condition     = length(output.consumers) == 3
    error_message = "one consumer entry per consumer"
  }

  assert {
    condition     = length(distinct([for c in output.consumers : c.namespace_name])) == 3 && length(distinct([for c in output.consumers : c.workgroup_name])) == 3
    error_message = "N consumers must give N namespaces and N workgroups"
  }

  assert {
    condition     = output.consumers["c1"].workgroup_name == "rsfleet-test-c1" && output.consumers["c1"].namespace_name == "rsfleet-test-c1"
    error_message = "consumer naming is <project>-<env>-<consumer>"
  }

  assert {
    condition     = output.producer.workgroup_name == "rsfleet-test-producer" && output.producer.namespace_name == "rsfleet-test-producer"
    error_message = "producer naming is <project>-<env>-producer"
  }

  assert {
    condition     = sum([for c in output.consumers : length(c.endpoint_ips)]) == 9
    error_message = "3 managed endpoints per consumer"
  }

  assert {
    condition     = alltrue([for c in output.consumers : toset(keys(c.endpoint_ips)) == toset(["a", "b", "c"])])
    error_message = "endpoint_ips keyed by AZ key a, b, c"
  }

  assert {
    condition     = length(distinct(flatten([for c in module.consumer : values(c.endpoint_names)]))) == 9
    error_message = "endpoint names must be unique"
  }

  assert {
    condition     = toset(keys(output.nlb_targets)) == toset(["c1-a", "c1-b", "c1-c", "c2-a", "c2-b", "c2-c"])
    error_message = "targets only for consumers behind the NLB, keyed <consumer>-<az>"
  }

  assert {
    condition     = jsonencode(module.nlb.registered_target_keys) == jsonencode(["c1-a", "c1-b", "c1-c", "c2-a", "c2-b", "c2-c"])
    error_message = "one attachment per consumer x AZ behind the NLB"
  }

  assert {
    condition     = output.consumers["c3"].behind_nlb == false && output.consumers["c1"].behind_nlb == true
    error_message = "behind_nlb is reported per consumer"
  }

  assert {
    condition     = output.nlb.port == 5439 && startswith(output.nlb.target_group_arn, "arn:aws:elasticloadbalancing:") && output.nlb.dns_name != ""
    error_message = "nlb output well-formed"
  }

  assert {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", output.producer.namespace_id))
    error_message = "producer namespace_id is a GUID"
  }

  assert {
    condition     = alltrue([for c in output.consumers : startswith(c.admin_secret_arn, "arn:aws:secretsmanager:")]) && startswith(output.producer.admin_secret_arn, "arn:aws:secretsmanager:")
    error_message = "admin secrets are exposed as ARNs only"
  }

  assert {
    condition     = output.aws_region == "us-east-1"
    error_message = "aws_region output"
  }

  assert {
    condition     = startswith(output.data_sharing_commands, "-- on producer\nCREATE DATASHARE \"sales_share\";\n") && endswith(output.data_sharing_commands, "\n")
    error_message = "data_sharing_commands starts with the producer block"
  }

  assert {
    condition     = length(regexall("GRANT USAGE ON DATASHARE \"sales_share\" TO NAMESPACE", output.data_sharing_commands)) == 3 && length(regexall("-- on consumer c[123]\n", output.data_sharing_commands)) == 3
    error_message = "\"*\" shares with every consumer (3 grants, 3 consumer blocks)"
  }

  assert {
    condition     = length(module.monitoring.alarm_names) == 2 * 4 + 2
    error_message = "capacity + failed-query alarms per workgroup (producer + 3 consumers) and 2 NLB alarms"
  }
}

run "consumers_own_target_membership" {
  command = apply

  variables {
    nlb = { register_targets_with_terraform = false }
  }

  assert {
    condition     = length(module.nlb.registered_target_keys) == 0
    error_message = "no attachments when rsfleet owns target membership"
  }

  assert {
    condition     = length(output.nlb_targets) == 6
    error_message = "targets are still reported for rsfleet"
  }
}

run "single_consumer_plan" {
  command = plan

  variables {
    consumers = { only = { base_capacity = 4, max_capacity = 4 } }
  }

  assert {
    condition     = length(module.consumer) == 1
    error_message = "one consumer module instance"
  }
}

run "long_names_fit_limits" {
  command = apply

  variables {
    project_name = "a-very-long-project1"
    environment  = "staging-europe-1"
    consumers    = { "reporting-readers-01" = { base_capacity = 8 } }
    datashares   = {}
  }

  assert {
    condition     = alltrue([for n in values(module.consumer["reporting-readers-01"].endpoint_names) : length(n) <= 30 && can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", n)) && !strcontains(n, "--")])
    error_message = "endpoint names must be 1-30 characters, start with a letter, no double or trailing hyphen"
  }

  assert {
    condition     = length(output.consumers["reporting-readers-01"].workgroup_name) <= 64
    error_message = "workgroup name within 64 characters"
  }

  assert {
    condition     = output.data_sharing_commands == ""
    error_message = "no datashares, no SQL"
  }
}

run "existing_vpc_three_azs" {
  command = plan

  variables {
    create_vpc          = false
    existing_vpc_id     = "vpc-0123456789abcdef0"
    existing_subnet_ids = ["subnet-000000000000000a1", "subnet-000000000000000b1", "subnet-000000000000000c1", "subnet-000000000000000a2"]
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
    condition = module.networking.subnet_ids_by_az == {
      a = "subnet-000000000000000a1"
      b = "subnet-000000000000000b1"
      c = "subnet-000000000000000c1"
    }
    error_message = "first subnet of each of the first three AZs, keyed a, b, c"
  }
}

# Review finding 2: the longest names the spec allows (20 + 16 characters) with the artifact:
# the bucket_prefix stays within the provider's 37 characters, so the plan succeeds.
run "longest_names_with_the_artifact_bucket" {
  command = plan

  variables {
    project_name  = "rsfleet-analytics-01"
    environment   = "staging-euwest-1"
    artifact_path = "tests/fixtures/rsfleet-lambda.zip"
  }

  assert {
    condition     = length(module.artifacts) == 1
    error_message = "the artifact bucket is planned"
  }
}
