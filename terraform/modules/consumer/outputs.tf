output "namespace_name" {
  description = "Consumer namespace name."
  value       = module.workgroup.namespace_name
}

output "namespace_id" {
  description = "Consumer namespace GUID (GRANT USAGE ON DATASHARE ... TO NAMESPACE '<id>')."
  value       = module.workgroup.namespace_id
}

output "workgroup_name" {
  description = "Consumer workgroup name."
  value       = module.workgroup.workgroup_name
}

output "workgroup_arn" {
  description = "Consumer workgroup ARN."
  value       = module.workgroup.workgroup_arn
}

output "endpoint_address" {
  description = "DNS name of the workgroup's own endpoint."
  value       = module.workgroup.endpoint_address
}

output "port" {
  description = "Redshift port."
  value       = module.workgroup.port
}

output "admin_secret_arn" {
  description = "ARN of the Secrets Manager secret with the consumer admin credentials."
  value       = module.workgroup.admin_secret_arn
}

output "endpoint_ips" {
  description = "Private IP of the managed VPC endpoint's ENI, per AZ key (a, b, c): the NLB targets."
  value = {
    for k, ep in aws_redshiftserverless_endpoint_access.this :
    k => ep.vpc_endpoint[0].network_interface[0].private_ip_address
  }
}

output "endpoint_addresses" {
  description = "DNS name of each managed VPC endpoint, per AZ key."
  value       = { for k, ep in aws_redshiftserverless_endpoint_access.this : k => ep.address }
}

output "endpoint_names" {
  description = "Name of each managed VPC endpoint, per AZ key."
  value       = { for k, ep in aws_redshiftserverless_endpoint_access.this : k => ep.endpoint_name }
}

output "audit_log_group_names" {
  description = "Audit log groups by log type."
  value       = module.workgroup.audit_log_group_names
}
