output "bucket_name" {
  description = "State bucket name."
  value       = module.backend.bucket_name
}

output "kms_key_arn" {
  description = "KMS key of the state bucket."
  value       = module.backend.kms_key_arn
}

output "backend_config" {
  description = "Content for environments/<env>/backend-config.hcl (replace <env>)."
  value       = <<-EOT
    bucket       = "${module.backend.bucket_name}"
    key          = "rsfleet/<env>/terraform.tfstate"
    region       = "${var.aws_region}"
    encrypt      = true
    kms_key_id   = "${module.backend.kms_key_arn}"
    use_lockfile = true
  EOT
}
