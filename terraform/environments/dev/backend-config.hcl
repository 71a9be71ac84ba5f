# S3 backend settings for the dev environment (terraform init -backend-config=environments/dev/backend-config.hcl).
# Replace the bucket with the one created by terraform/backend-setup (output backend_config).
bucket       = "rsfleet-tfstate-CHANGE-ME"
key          = "rsfleet/dev/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
