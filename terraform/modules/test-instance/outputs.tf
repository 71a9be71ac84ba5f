output "instance_id" {
  description = "ID of the test instance."
  value       = aws_instance.this.id
}

output "role_name" {
  description = "The instance role (AmazonSSMManagedInstanceCore + rsfleet read access)."
  value       = aws_iam_role.this.name
}

output "user_data" {
  description = "The instance's user data (installs rsfleet; no secrets)."
  value       = local.user_data
}
