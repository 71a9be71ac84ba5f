output "namespace_name" {
  description = "Producer namespace name."
  value       = module.workgroup.namespace_name
}

output "namespace_id" {
  description = "Producer namespace GUID (CREATE DATABASE ... FROM DATASHARE ... OF NAMESPACE '<id>')."
  value       = module.workgroup.namespace_id
}

output "namespace_arn" {
  description = "Producer namespace ARN."
  value       = module.workgroup.namespace_arn
}

output "workgroup_name" {
  description = "Producer workgroup name."
  value       = module.workgroup.workgroup_name
}

output "workgroup_arn" {
  description = "Producer workgroup ARN."
  value       = module.workgroup.workgroup_arn
}

output "endpoint_address" {
  description = "Producer workgroup endpoint DNS name."
  value       = module.workgroup.endpoint_address
}

output "port" {
  description = "Producer port."
  value       = module.workgroup.port
}

output "database_name" {
  description = "Producer database name."
  value       = module.workgroup.database_name
}

output "admin_secret_arn" {
  description = "ARN of the Secrets Manager secret with the producer admin credentials."
  value       = module.workgroup.admin_secret_arn
}

output "kms_key_arn" {
  description = "ARN of the fleet's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "iam_role_arn" {
  description = "ARN of the IAM role associated with the producer namespace."
  value       = aws_iam_role.redshift.arn
}

output "audit_log_group_names" {
  description = "Audit log groups by log type."
  value       = module.workgroup.audit_log_group_names
}
