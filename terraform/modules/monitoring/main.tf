# Dashboard, alarms, an encrypted SNS topic and a cost budget for the fleet.
#
# Metrics:
# - AWS/Redshift-Serverless, "Amazon Redshift Serverless metrics" in
#   https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html :
#   ComputeCapacity and ComputeSeconds with dimension set {Workgroup}; QueriesFailed ("the
#   number of queries that failed in the last 5 minutes") only with the dimension sets
#   {QueryType, Workgroup} and {Database, QueryType, Workgroup} — never {Workgroup} alone, so
#   an alarm on Workgroup alone would never see data. The alarm sums the {QueryType,
#   Workgroup} series with a Metrics Insights query over that exact schema (the
#   {Database, ...} set would count each failure twice).
# - AWS/NetworkELB, dimensions LoadBalancer + TargetGroup: HealthyHostCount,
#   UnHealthyHostCount, ActiveFlowCount, NewFlowCount.
#   https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  region = data.aws_region.current.name

  # Failed queries per workgroup: every QueryType series of the {QueryType, Workgroup} set.
  failed_queries_query = {
    for k, w in var.workgroups : k => "SELECT SUM(QueriesFailed) FROM SCHEMA(\"AWS/Redshift-Serverless\", QueryType, Workgroup) WHERE Workgroup = '${w.name}'"
  }
}

# --- SNS topic, encrypted with a key CloudWatch and Budgets may use ----------------------
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
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
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmAndBudgetPublishers"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "sns" {
  description             = "${var.name}: alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "sns" {
  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.sns.key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.sns.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AlarmAndBudgetPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# --- Alarms --------------------------------------------------------------------------------

# A workgroup pinned at its max capacity: queries queue or slow down; raise max_capacity or
# add a consumer. (ComputeCapacity is the number of RPUs allocated.)
resource "aws_cloudwatch_metric_alarm" "at_max_capacity" {
  for_each = var.workgroups

  alarm_name          = "${var.name}-${each.key}-at-max-capacity"
  alarm_description   = "Workgroup ${each.value.name} has used its max capacity (${each.value.max_capacity} RPU) for ${var.capacity_alarm_minutes} minutes."
  namespace           = "AWS/Redshift-Serverless"
  metric_name         = "ComputeCapacity"
  dimensions          = { Workgroup = each.value.name }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = ceil(var.capacity_alarm_minutes / 5)
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.max_capacity
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "failed_queries" {
  for_each = var.workgroups

  alarm_name          = "${var.name}-${each.key}-failed-queries"
  alarm_description   = "More than ${var.failed_queries_threshold} failed queries in 5 minutes on workgroup ${each.value.name}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failed_queries_threshold
  evaluation_periods  = 1
  # Deliberate: an idle workgroup publishes no query metrics, and no data means no failed
  # query; a broken metric path is caught by the dashboard, not by paging on silence.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  tags               = var.tags

  metric_query {
    id          = "failed"
    return_data = true
    period      = 300
    # Metrics Insights query: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-alarms.html
    expression = local.failed_queries_query[each.key]
  }
}

# Any unhealthy consumer endpoint behind the NLB.
resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  alarm_name          = "${var.name}-nlb-unhealthy-targets"
  alarm_description   = "At least one consumer endpoint behind the NLB fails its health checks."
  namespace           = "AWS/NetworkELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = var.nlb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# No healthy target: the NLB fails open and sends sessions to every target.
resource "aws_cloudwatch_metric_alarm" "no_healthy_targets" {
  alarm_name          = "${var.name}-nlb-no-healthy-targets"
  alarm_description   = "No healthy consumer endpoint behind the NLB (it fails open: sessions go to all targets)."
  namespace           = "AWS/NetworkELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = var.nlb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# --- Readiness controller (terraform/modules/controller) ----------------------------------
# Lambda metrics: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
# SQS metrics: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
# SuccessfulPasses: published by the handler (Embedded Metric Format), 1 per finished pass.

resource "aws_cloudwatch_metric_alarm" "controller_errors" {
  count = var.controller == null ? 0 : 1

  alarm_name          = "${var.name}-controller-errors"
  alarm_description   = "The readiness controller Lambda failed (every pass of an invocation failed, or it crashed): unready consumers may stay in rotation."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.controller.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "controller_dead_letters" {
  count = var.controller == null ? 0 : 1

  alarm_name          = "${var.name}-controller-dead-letters"
  alarm_description   = "Invocations of the readiness controller failed or were dropped (dead-letter queue ${var.controller.dlq_name})."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.controller.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "controller_no_pass" {
  count = var.controller == null ? 0 : 1

  alarm_name          = "${var.name}-controller-no-successful-pass"
  alarm_description   = "No successful reconcile pass of the readiness controller in 5 minutes: nothing keeps unready consumers out of rotation."
  namespace           = "rsfleet/controller"
  metric_name         = "SuccessfulPasses"
  dimensions          = { Fleet = var.controller.fleet }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# --- Dashboard -----------------------------------------------------------------------------

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name}-fleet"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "RPUs allocated (ComputeCapacity)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Average"
          period  = 60
          metrics = [for k, w in var.workgroups : ["AWS/Redshift-Serverless", "ComputeCapacity", "Workgroup", w.name, { label = k }]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "RPU-seconds used (ComputeSeconds)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 3600
          metrics = [for k, w in var.workgroups : ["AWS/Redshift-Serverless", "ComputeSeconds", "Workgroup", w.name, { label = k }]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Failed queries"
          region = local.region
          view   = "timeSeries"
          period = 300
          metrics = [for k, w in var.workgroups : [{
            expression = local.failed_queries_query[k]
            label      = k
            id         = "f${index(keys(var.workgroups), k)}"
          }]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "NLB targets and flows"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            ["AWS/NetworkELB", "HealthyHostCount", "LoadBalancer", var.nlb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "Minimum" }],
            ["AWS/NetworkELB", "UnHealthyHostCount", "LoadBalancer", var.nlb_arn_suffix, "TargetGroup", var.target_group_arn_suffix, { stat = "Maximum" }],
            ["AWS/NetworkELB", "ActiveFlowCount", "LoadBalancer", var.nlb_arn_suffix, { stat = "Average", yAxis = "right" }],
            ["AWS/NetworkELB", "NewFlowCount", "LoadBalancer", var.nlb_arn_suffix, { stat = "Sum", yAxis = "right" }],
          ]
        }
      },
    ]
  })
}

# --- Budget ---------------------------------------------------------------------------------
# Alert at 80 % forecast and 100 % actual of this fleet's monthly spend: every cost carrying
# the fleet's tag (var.cost_allocation_tag, e.g. Fleet = rsfleet-prod), not the whole
# account's Redshift bill. The tag must be activated once per account as a cost allocation
# tag (Billing console -> Cost allocation tags), or the filter matches nothing; costs are
# tagged from activation on. terraform/README.md "Budget".
# https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html
# https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create.html
resource "aws_budgets_budget" "redshift" {
  count = var.monthly_budget_usd > 0 ? 1 : 0

  name         = "${var.name}-redshift-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name = "TagKeyValue"
    # "user:<key>$<value>" (format(): "$${" would be HCL's escape for a literal "${").
    values = [format("user:%s$%s", var.cost_allocation_tag.key, var.cost_allocation_tag.value)]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_sns_topic_arns  = [aws_sns_topic.alarms.arn]
    subscriber_email_addresses = var.alarm_email_addresses
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_sns_topic_arns  = [aws_sns_topic.alarms.arn]
    subscriber_email_addresses = var.alarm_email_addresses
  }

  tags = var.tags

  # Budgets publishes to the topic only once the topic policy allows it ("Creating an Amazon
  # SNS topic for budget notifications",
  # https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html);
  # created before the policy, its notifications could be refused. The reference to the topic's ARN alone
  # does not order the two (tests/terraform/test_ordering.py checks the graph).
  depends_on = [aws_sns_topic_policy.alarms]
}
