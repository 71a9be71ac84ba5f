terraform {
  # Only what this module uses: its module's precondition/postcondition blocks.
  required_version = ">= 1.2.0"

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
    tags = merge({ Project = var.project_name, Environment = var.environment, ManagedBy = "terraform", Component = "test-instance" }, var.tags)
  }
}
