# Standalone root that creates the state backend for the rsfleet environments.
# Run once per account with local state:
#   terraform -chdir=terraform/backend-setup init && terraform -chdir=terraform/backend-setup apply
# then put the output backend_config into terraform/environments/<env>/backend-config.hcl.

data "aws_caller_identity" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, "${var.project_name}-tfstate-${data.aws_caller_identity.current.account_id}-${var.aws_region}")
}

module "backend" {
  source = "../modules/backend"

  bucket_name                = local.bucket_name
  create_dynamodb_lock_table = var.create_dynamodb_lock_table
  dynamodb_table_name        = "${var.project_name}-tf-locks"
}
