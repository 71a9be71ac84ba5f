output "function_name" {
  description = "Name of the controller Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the controller Lambda function."
  value       = aws_lambda_function.this.arn
}

output "state_table" {
  description = "DynamoDB table of the drain state (the CLI reads and writes it: `rsfleet --backend aws targets drain`)."
  value       = aws_dynamodb_table.state.name
}

output "state_table_arn" {
  description = "ARN of the drain-state table."
  value       = aws_dynamodb_table.state.arn
}

output "kms_key_arn" {
  description = "KMS key of the drain-state table (callers of the table need it: the test instance's `loadtest --drain`)."
  value       = aws_kms_key.this.arn
}

output "https_egress_cidrs" {
  description = "CIDRs the function reaches on 443 besides the VPC endpoints (a NAT route), [] when the endpoints cover every API it calls."
  value       = var.https_egress_cidrs
}

output "dlq_name" {
  description = "Dead-letter queue of failed or dropped invocations."
  value       = aws_sqs_queue.dlq.name
}

output "security_group_id" {
  description = "The controller's security group."
  value       = aws_security_group.this.id
}

output "schedule_name" {
  description = "EventBridge Scheduler schedule invoking the controller."
  value       = aws_scheduler_schedule.this.name
}

output "fleet" {
  description = "The fleet's key in the state table (<project>/<env>)."
  value       = var.fleet
}

output "spec_json" {
  description = "RSFLEET_SPEC as the handler receives it."
  value       = var.spec_json
}

output "probe_secret_arn" {
  description = "The readiness probe's secret (the one made here with create_probe_secret, else probe_secret_arn), or null: no direct probe."
  value       = local.probe_secret_arn
}

output "iam_statements" {
  description = "The function's IAM policy statements (sid, actions, resources), for tests and reviews of what the controller may do."
  value       = [for s in data.aws_iam_policy_document.function.statement : { sid = s.sid, actions = s.actions, resources = s.resources }]
}
