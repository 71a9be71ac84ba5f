output "namespace_name" {
  description = "Namespace name."
  value       = aws_redshiftserverless_namespace.this.namespace_name
}

output "namespace_id" {
  description = "Namespace GUID (the argument of GRANT USAGE ON DATASHARE ... TO NAMESPACE and CREATE DATABASE ... OF NAMESPACE)."
  value       = aws_redshiftserverless_namespace.this.namespace_id
}

output "namespace_arn" {
  description = "Namespace ARN."
  value       = aws_redshiftserverless_namespace.this.arn
}

output "workgroup_name" {
  description = "Workgroup name."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "workgroup_arn" {
  description = "Workgroup ARN."
  value       = aws_redshiftserverless_workgroup.this.arn
}

output "workgroup_id" {
  description = "Workgroup ID."
  value       = aws_redshiftserverless_workgroup.this.workgroup_id
}

output "endpoint_address" {
  description = "DNS name of the workgroup endpoint."
  value       = try(aws_redshiftserverless_workgroup.this.endpoint[0].address, null)
}

output "port" {
  description = "Port of the workgroup endpoint."
  value       = var.port
}

output "database_name" {
  description = "Name of the namespace's first database."
  value       = var.database_name
}

output "admin_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the admin credentials (never the value)."
  value       = aws_redshiftserverless_namespace.this.admin_password_secret_arn
}

output "usage_limit_id" {
  description = "ID of the usage limit, or null."
  value       = try(aws_redshiftserverless_usage_limit.this[0].id, null)
}

output "audit_log_group_names" {
  description = "Audit log groups by log type (/aws/redshift/<namespace>/<log_type>)."
  value       = { for k, g in aws_cloudwatch_log_group.audit : k => g.name }
}
