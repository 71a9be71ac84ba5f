# S3 backend settings for the staging environment (terraform init -backend-config=environments/staging/backend-config.hcl).
# Replace the bucket with the one created by terraform/backend-setup (output backend_config).
bucket       = "rsfleet-tfstate-CHANGE-ME"
key          = "rsfleet/staging/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
