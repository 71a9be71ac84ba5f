variable "project_name" {
  description = "Project name (prefix of the bucket name)."
  type        = string
  default     = "rsfleet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3-20 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "Region of the state bucket."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as \"us-east-1\"."
  }
}

variable "bucket_name" {
  description = "State bucket name; null = <project>-tfstate-<account id>-<region> (globally unique)."
  type        = string
  default     = null
}

variable "create_dynamodb_lock_table" {
  description = "Also create a DynamoDB lock table (only needed for Terraform < 1.10)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
