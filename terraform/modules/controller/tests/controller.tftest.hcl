# The controller module offline (mock provider): one function, concurrency 1, invoked every
# minute, IAM scoped to the fleet's ARNs, state table on-demand with PITR and KMS.
# Run: terraform -chdir=terraform/modules/controller test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                       = "rsfleet-test"
  fleet                      = "rsfleet/test"
  artifact_path              = "tests/empty.zip"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"]
  consumer_security_group_id = "sg-0123456789abcdef0"
  endpoint_security_group_id = "sg-0fedcba987654321f"
  dynamodb_prefix_list_id    = "pl-02cd2c6b"
  vpc_endpoint_egress        = { interface = true, dynamodb = true }
  target_group_arn           = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rsfleet-test/0123456789abcdef"
  consumer_workgroup_arns = [
    "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/11111111-1111-4111-8111-111111111111",
    "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/22222222-2222-4222-8222-222222222222",
  ]
  probe_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-test-probe-AbCdEf"
  spec_json        = "{\"project_name\":\"rsfleet\",\"environment\":\"test\"}"
}

run "singleton_every_minute" {
  command = apply

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 1
    error_message = "at most one controller may run: reserved concurrency 1"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "rsfleet.controller.handler.handler"
    error_message = "python3.12 runtime and the rsfleet handler"
  }

  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("tests/empty.zip")
    error_message = "the function is pinned to the artifact by source_code_hash"
  }

  assert {
    condition     = toset(aws_lambda_function.this.vpc_config[0].subnet_ids) == toset(var.subnet_ids) && aws_lambda_function.this.vpc_config[0].security_group_ids == toset([aws_security_group.this.id])
    error_message = "the function runs in the fleet's subnets with its own security group"
  }

  assert {
    condition     = aws_scheduler_schedule.this.schedule_expression == "rate(1 minute)" && aws_scheduler_schedule.this.target[0].arn == aws_lambda_function.this.arn && aws_scheduler_schedule.this.flexible_time_window[0].mode == "OFF"
    error_message = "EventBridge Scheduler invokes the function every minute"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 60
    error_message = "a tick that waited behind the running controller is dropped, not queued"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["RSFLEET_INTERVAL_SECONDS"] == "5" && aws_lambda_function.this.environment[0].variables["RSFLEET_TARGET_GROUP_ARN"] == var.target_group_arn && aws_lambda_function.this.environment[0].variables["RSFLEET_PROBE_SECRET_ARN"] == var.probe_secret_arn
    error_message = "settings reach the handler through its environment"
  }

  assert {
    condition     = aws_dynamodb_table.state.billing_mode == "PAY_PER_REQUEST" && aws_dynamodb_table.state.point_in_time_recovery[0].enabled && aws_dynamodb_table.state.server_side_encryption[0].kms_key_arn == aws_kms_key.this.arn && aws_dynamodb_table.state.hash_key == "pk"
    error_message = "state table: on-demand, point-in-time recovery, this module's KMS key, key pk"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "TargetsOfTheFleetOnly"]) == toset([var.target_group_arn])
    error_message = "register/deregister only on the fleet's target group"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.actions if s.sid == "TargetsOfTheFleetOnly"]) == toset(["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"])
    error_message = "only register and deregister are write actions on the target group"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "ProbeSecret"]) == toset([var.probe_secret_arn])
    error_message = "read only the named probe secret"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "DrainState"]) == toset([aws_dynamodb_table.state.arn])
    error_message = "the state table only"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "ReadTheFleetsWorkgroups"]) == toset(var.consumer_workgroup_arns)
    error_message = "GetWorkgroup only on the fleet's consumer workgroups"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.function.statement : alltrue([for a in s.actions : can(regex("^redshift-serverless:(Get|List)", a))]) if length([for a in s.actions : a if startswith(a, "redshift-serverless:")]) > 0])
    error_message = "redshift-serverless: Get*/List* only"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.function.statement : !contains(s.resources, "*") || alltrue([for a in s.actions : can(regex(":(Describe|List)|^cloudwatch:GetMetricData$", a))])])
    error_message = "\"*\" only for Describe/List actions and cloudwatch:GetMetricData, which take no resource"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.actions if s.sid == "ReadLoadMetrics"]) == toset(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"])
    error_message = "elastic rotation reads its load from CloudWatch: GetMetricData and ListMetrics, nothing else"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.consumers.from_port == 5439 && aws_vpc_security_group_egress_rule.consumers.referenced_security_group_id == var.consumer_security_group_id && aws_vpc_security_group_egress_rule.endpoints[0].from_port == 443 && aws_vpc_security_group_egress_rule.dynamodb[0].prefix_list_id == var.dynamodb_prefix_list_id && length(aws_vpc_security_group_egress_rule.https) == 0
    error_message = "egress: 5439 to the consumers, 443 to the endpoints and the DynamoDB prefix list, nothing else"
  }
}

run "no_probe_secret_no_secret_access" {
  command = plan

  variables {
    probe_secret_arn = null
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.function.statement : s if s.sid == "ProbeSecret"]) == 0 && !contains(keys(aws_lambda_function.this.environment[0].variables), "RSFLEET_PROBE_SECRET_ARN")
    error_message = "without a probe secret the function reads no secret"
  }
}

# No probe secret named: the module makes one (no value in Terraform: no secret version) and
# points the function's environment and IAM at it.
run "probe_secret_created_when_none_is_named" {
  command = apply

  variables {
    probe_secret_arn    = null
    create_probe_secret = true
  }

  assert {
    condition     = length(aws_secretsmanager_secret.probe) == 1 && aws_secretsmanager_secret.probe[0].kms_key_id == aws_kms_key.this.arn && startswith(aws_secretsmanager_secret.probe[0].name_prefix, "rsfleet-test/")
    error_message = "one secret, under the fleet's name prefix, encrypted with the module's key"
  }

  assert {
    condition     = aws_secretsmanager_secret.probe[0].tags["rsfleet:probe-login"] == "rsfleet/test"
    error_message = "the secret is tagged as rsfleet's probe login of this fleet"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["RSFLEET_PROBE_SECRET_ARN"] == aws_secretsmanager_secret.probe[0].arn && output.probe_secret_arn == aws_secretsmanager_secret.probe[0].arn
    error_message = "the function probes with the created secret; the module outputs its ARN"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "ProbeSecret"]) == toset([aws_secretsmanager_secret.probe[0].arn]) && one([for s in data.aws_iam_policy_document.function.statement : s.actions if s.sid == "ProbeSecret"]) == toset(["secretsmanager:GetSecretValue"])
    error_message = "the function reads only the created secret"
  }

  assert {
    condition     = contains(one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "StateKey"]), aws_secretsmanager_secret.probe[0].kms_key_id)
    error_message = "the function may decrypt the created secret's key"
  }
}

run "named_probe_secret_no_secret_created" {
  command = plan

  assert {
    condition     = length(aws_secretsmanager_secret.probe) == 0 && output.probe_secret_arn == var.probe_secret_arn
    error_message = "a named probe secret wins: none created"
  }
}

# A named secret under a customer managed key: kms:Decrypt on that key only, only through
# Secrets Manager in this region; the state key's statement stays the module's own key.
run "probe_secret_kms_key_decrypt_only_via_secrets_manager" {
  command = plan

  variables {
    probe_secret_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "ProbeSecretKey"]) == toset([var.probe_secret_kms_key_arn]) && one([for s in data.aws_iam_policy_document.function.statement : s.actions if s.sid == "ProbeSecretKey"]) == toset(["kms:Decrypt"])
    error_message = "kms:Decrypt, nothing else, on the probe secret's key"
  }

  assert {
    condition     = [for c in one([for s in data.aws_iam_policy_document.function.statement : s.condition if s.sid == "ProbeSecretKey"]) : [c.test, c.variable, join(",", c.values)]] == [["StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com"]]
    error_message = "the key is usable only through Secrets Manager in the fleet's region"
  }

  assert {
    condition     = !contains(one([for s in data.aws_iam_policy_document.function.statement : s.resources if s.sid == "StateKey"]), var.probe_secret_kms_key_arn)
    error_message = "no Encrypt/GenerateDataKey on the user's key"
  }
}

run "created_and_named_probe_secret_exclude_each_other" {
  command = plan

  variables {
    create_probe_secret = true
  }

  expect_failures = [aws_lambda_function.this]
}

run "artifact_for_another_python_is_refused" {
  command = plan

  variables {
    runtime = "python3.11"
  }

  expect_failures = [var.runtime]
}

run "margin_must_leave_a_pass" {
  command = plan

  variables {
    settings = { timeout_seconds = 30, safety_margin_seconds = 28 }
  }

  expect_failures = [var.settings]
}

# A new account's Lambda concurrency quota (10 or 50) cannot spare the reserved 1.
run "account_without_concurrency_headroom_is_refused_at_plan" {
  command = plan

  override_data {
    target = data.aws_servicequotas_service_quota.lambda_concurrency
    values = { value = 10 }
  }

  expect_failures = [aws_lambda_function.this]
}

# Review finding 6: the function's network interfaces must not keep its security group (and
# the fleet's subnets) from being deleted on destroy.
run "destroy_moves_the_function_off_its_security_group_first" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.replace_security_groups_on_destroy == true
    error_message = "replace_security_groups_on_destroy: the provider moves the function to the default security group before deleting it (provider #37046, #10329)"
  }
}

# Review finding 5: deletion protection is the caller's choice (the root: prod only), so a
# dev/staging destroy and controller.enabled = false can delete the table.
run "state_table_deletion_protection_off_by_default" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.state.deletion_protection_enabled == false
    error_message = "no deletion protection unless the root asks for it"
  }
}

run "state_table_deletion_protection_when_asked" {
  command = plan

  variables {
    deletion_protection = true
  }

  assert {
    condition     = aws_dynamodb_table.state.deletion_protection_enabled == true
    error_message = "deletion protection on when the root asks (prod)"
  }
}
