# Partial configuration: bucket, key, region (and optionally kms_key_id) come from
# environments/<env>/backend-config.hcl, e.g. `terraform init -backend-config=environments/dev/backend-config.hcl`
# (rsfleet plan/apply does this for you). The bucket is created by ../backend-setup.
#
# use_lockfile = true: S3 native state locking (Terraform >= 1.10), no DynamoDB table needed.
# https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
