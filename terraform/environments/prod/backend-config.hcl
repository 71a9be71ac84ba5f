# S3 backend settings for the prod environment (terraform init -backend-config=environments/prod/backend-config.hcl).
# Replace the bucket with the one created by terraform/backend-setup (output backend_config).
bucket       = "rsfleet-tfstate-CHANGE-ME"
key          = "rsfleet/prod/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
