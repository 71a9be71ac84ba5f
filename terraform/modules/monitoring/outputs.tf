output "sns_topic_arn" {
  description = "ARN of the alarm topic (KMS-encrypted)."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.at_max_capacity : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.failed_queries : a.alarm_name],
    [aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name, aws_cloudwatch_metric_alarm.no_healthy_targets.alarm_name],
    [for a in concat(aws_cloudwatch_metric_alarm.controller_errors, aws_cloudwatch_metric_alarm.controller_dead_letters, aws_cloudwatch_metric_alarm.controller_no_pass) : a.alarm_name],
  )
}

output "budget_name" {
  description = "Name of the cost budget, or null."
  value       = try(aws_budgets_budget.redshift[0].name, null)
}
