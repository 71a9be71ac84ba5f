# The readiness controller as an always-on singleton: a Lambda function in the fleet's
# private subnets, invoked every minute by EventBridge Scheduler, reserved concurrency 1 (at
# most one controller runs), looping reconcile passes every settings.interval_seconds until
# settings.safety_margin_seconds before its timeout (src/rsfleet/controller/handler.py).
#
# - Lambda in a VPC: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
#   (AWSLambdaVPCAccessExecutionRole gives the ENI permissions the service needs)
# - Reserved concurrency: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
# - EventBridge Scheduler rate(1 minute) invoking Lambda:
#   https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
# - Stale invocations are dropped (maximum_event_age 60 s, no retry): a tick that waited
#   behind the running controller has nothing to add; failures go to the dead-letter queue.
#   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
# - State: DynamoDB, on-demand, point-in-time recovery, this module's KMS key.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id
  function  = "${var.name}-controller"
  log_group = "/aws/lambda/${local.function}"
  environment = merge(
    {
      RSFLEET_SPEC                  = var.spec_json
      RSFLEET_TARGET_GROUP_ARN      = var.target_group_arn
      RSFLEET_STATE_TABLE           = aws_dynamodb_table.state.name
      RSFLEET_INTERVAL_SECONDS      = tostring(var.settings.interval_seconds)
      RSFLEET_DATA_CHECK_SECONDS    = tostring(var.settings.data_check_seconds)
      RSFLEET_DATA_RETRY_SECONDS    = tostring(var.settings.data_retry_seconds)
      RSFLEET_SAFETY_MARGIN_SECONDS = tostring(var.settings.safety_margin_seconds)
      RSFLEET_RISE                  = tostring(var.settings.rise)
      RSFLEET_FALL                  = tostring(var.settings.fall)
      RSFLEET_PROBE_TIMEOUT_SECONDS = tostring(var.settings.probe_timeout_seconds)
    },
    local.probe_enabled ? { RSFLEET_PROBE_SECRET_ARN = local.probe_secret_arn } : {},
  )
  # The probe's secret: the user's (probe_secret_arn) or the one made here (known at plan
  # time whether there is one; its ARN only after apply).
  probe_enabled    = var.create_probe_secret || var.probe_secret_arn != null
  probe_secret_arn = var.create_probe_secret ? aws_secretsmanager_secret.probe[0].arn : var.probe_secret_arn
}

# --- KMS key: state table, environment variables, logs, dead-letter queue ----------------
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:KMS key policy: Resource "*" means this key only, and the account root statement is the AWS default key policy (IAM policies decide who uses the key).
  #checkov:skip=CKV_AWS_356:KMS key policy: Resource "*" means this key only.
  #checkov:skip=CKV_AWS_109:KMS key policy: the account root statement is the AWS default key policy; without it the key becomes unmanageable.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group}"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: controller state, environment, logs, dead letters"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-controller"
  target_key_id = aws_kms_key.this.key_id
}

# --- State table ----------------------------------------------------------------------------
resource "aws_dynamodb_table" "state" {
  name         = "${var.name}-controller"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  # On in prod (the root passes environment == "prod", as for the NLB): `rsfleet destroy`
  # turns it off first for the table named in the fleet's outputs; elsewhere the table goes
  # with the fleet or with controller.enabled = false (docs/targets.md).
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags
}

# --- Probe secret -------------------------------------------------------------------------
# The reader login the readiness probe uses on every consumer (docs/targets.md "The probe
# login"). Terraform creates the secret only, with no aws_secretsmanager_secret_version: the
# password never enters Terraform state. `rsfleet --backend aws share apply` generates it
# (PutSecretValue, only while the secret has no value) and creates the login on each
# consumer from it. Encrypted with this module's key, which the function may already decrypt.
# The tag marks it as rsfleet's: rsfleet writes a value only into a secret tagged so, or into
# the one the spec names.
resource "aws_secretsmanager_secret" "probe" {
  #checkov:skip=CKV2_AWS_57:Rotation by a rotation Lambda is not used: `rsfleet share apply` writes the value and sets the login's password on every consumer from it.
  count = var.create_probe_secret ? 1 : 0

  # a prefix, not a fixed name: a destroyed secret keeps its name for its recovery window
  name_prefix             = "${var.name}/probe-login-"
  description             = "rsfleet ${var.fleet}: readiness probe login (JSON username/password), written by `rsfleet share apply`"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = merge(var.tags, { "rsfleet:probe-login" = var.fleet })
}

# --- Logs and dead letters -----------------------------------------------------------------
resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-controller-dlq"
  kms_master_key_id         = aws_kms_key.this.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

# --- Network: own security group ----------------------------------------------------------
resource "aws_security_group" "this" {
  name        = "${var.name}-controller"
  description = "rsfleet controller Lambda: probes consumers on 5439, AWS APIs on 443"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-controller" })
}

resource "aws_vpc_security_group_egress_rule" "consumers" {
  security_group_id            = aws_security_group.this.id
  description                  = "Readiness probe to the consumer workgroups"
  ip_protocol                  = "tcp"
  from_port                    = 5439
  to_port                      = 5439
  referenced_security_group_id = var.consumer_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "consumer_from_controller" {
  security_group_id            = var.consumer_security_group_id
  description                  = "rsfleet controller readiness probe"
  ip_protocol                  = "tcp"
  from_port                    = 5439
  to_port                      = 5439
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  count = var.vpc_endpoint_egress.interface ? 1 : 0

  security_group_id            = aws_security_group.this.id
  description                  = "HTTPS to the interface VPC endpoints (elbv2, redshift-serverless, secretsmanager)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.endpoint_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "dynamodb" {
  count = var.vpc_endpoint_egress.dynamodb ? 1 : 0

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to DynamoDB through its gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.dynamodb_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = toset(var.https_egress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs through ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

# --- IAM: least privilege -----------------------------------------------------------------
data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-controller"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "vpc" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# Actions and their resource types:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_elasticloadbalancingv2.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftserverless.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "TargetsOfTheFleetOnly"
    actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = [var.target_group_arn]
  }

  # Describe* actions of elasticloadbalancing take no resource: "*" is required.
  statement {
    sid       = "ReadTargetHealth"
    actions   = ["elasticloadbalancing:DescribeTargetHealth"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadTheFleetsWorkgroups"
    actions   = ["redshift-serverless:GetWorkgroup"]
    resources = var.consumer_workgroup_arns
  }

  # ListEndpointAccess takes the endpointAccess resource type (ARN
  # ...:managedvpcendpoint/<id>); the IDs are the service's, so: this account and region.
  statement {
    sid       = "ListManagedEndpoints"
    actions   = ["redshift-serverless:ListEndpointAccess"]
    resources = ["arn:${local.partition}:redshift-serverless:${local.region}:${local.account}:managedvpcendpoint/*"]
  }

  # Elastic rotation's load signal (issue 26, docs/targets.md): the consumers' metrics in
  # AWS/Redshift-Serverless, read in one GetMetricData a minute; ListMetrics finds the
  # QueriesQueued series (per QueryType). Neither takes a resource type, so "*" is required
  # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html);
  # both only read metrics.
  statement {
    sid       = "ReadLoadMetrics"
    actions   = ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    resources = ["*"]
  }

  statement {
    sid       = "DrainState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.state.arn]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"]
    resources = [aws_kms_key.this.arn]
  }

  # Your probe secret under a customer managed key: GetSecretValue needs kms:Decrypt on it
  # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html),
  # only through Secrets Manager in this region (kms:ViaService, as in the AWS managed policy
  # AWSSecretsManagerClientReadOnlyAccess). Nothing else on that key.
  dynamic "statement" {
    for_each = var.probe_secret_kms_key_arn == null ? [] : [var.probe_secret_kms_key_arn]
    content {
      sid       = "ProbeSecretKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  dynamic "statement" {
    for_each = local.probe_enabled ? [local.probe_secret_arn] : []
    content {
      sid       = "ProbeSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "controller"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

# --- The function -----------------------------------------------------------------------------
# Reserved concurrency needs headroom in the account: "You can reserve up to the Unreserved
# account concurrency value minus 100"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). New accounts
# often start with a "Concurrent executions" quota (L-B99A9384) of 10 or 50, and the create
# fails with "Specified ReservedConcurrentExecutions for function decreases account's
# UnreservedConcurrentExecution below its minimum value". Checked at plan time instead.
data "aws_servicequotas_service_quota" "lambda_concurrency" {
  service_code = "lambda"
  quota_code   = "L-B99A9384"
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile outside this fleet; the artifact is built deterministically (`make artifact`) and pinned by source_code_hash.
  #checkov:skip=CKV_AWS_50:X-Ray tracing adds a per-trace cost every 5 s pass; the handler logs one JSON line per action and EMF metrics instead.
  function_name                  = local.function
  role                           = aws_iam_role.function.arn
  runtime                        = var.runtime
  handler                        = "rsfleet.controller.handler.handler"
  filename                       = var.artifact_path
  source_code_hash               = filebase64sha256(var.artifact_path)
  timeout                        = var.settings.timeout_seconds
  memory_size                    = var.memory_mb
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.this.arn

  # The function's network interfaces outlive it (Lambda releases them later), and its security
  # group and subnets cannot be deleted while they hold it: destroy fails with
  # DependencyViolation (hashicorp/terraform-provider-aws#37046, #10329). Before deleting the
  # function the provider moves it to the VPC's default security group and waits for the
  # update (re-implemented in #37624), so this module's group has no interface left; the
  # subnets' delete waits for Lambda's interfaces (modules/networking, timeouts).
  replace_security_groups_on_destroy = true

  environment {
    variables = local.environment
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.function, aws_iam_role_policy_attachment.vpc]

  lifecycle {
    precondition {
      condition     = !(var.create_probe_secret && var.probe_secret_arn != null)
      error_message = "create_probe_secret and probe_secret_arn exclude each other: either this module makes the probe secret or you name yours."
    }

    precondition {
      condition     = data.aws_servicequotas_service_quota.lambda_concurrency.value >= 101
      error_message = "The account's Lambda \"Concurrent executions\" quota (L-B99A9384) is ${data.aws_servicequotas_service_quota.lambda_concurrency.value}: reserving 1 for the controller needs at least 101 (100 stay unreserved), plus what other functions reserve. Request an increase in Service Quotas, or set controller.enabled = false."
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_event_age_in_seconds = 60
  maximum_retry_attempts       = 0

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}

# --- Schedule: every minute ---------------------------------------------------------------
data "aws_iam_policy_document" "assume_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-controller-scheduler"
  assume_role_policy = data.aws_iam_policy_document.assume_scheduler.json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.this.arn]
  }

  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-controller"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "this" {
  name                = "${var.name}-controller"
  description         = "rsfleet readiness controller: one invocation a minute, passes every ${var.settings.interval_seconds}s inside it"
  schedule_expression = "rate(1 minute)"
  kms_key_arn         = aws_kms_key.this.arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ source = "schedule" })

    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }

    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }
  }
}
