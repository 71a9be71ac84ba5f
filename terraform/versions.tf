terraform {
  # 1.11: S3 native state locking (use_lockfile) generally available
  # (https://developer.hashicorp.com/terraform/language/v1.11.x/upgrade-guides); cross-variable
  # references in validation blocks need 1.9.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}
