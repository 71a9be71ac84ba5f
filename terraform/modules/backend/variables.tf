variable "bucket_name" {
  description = "Name of the S3 state bucket (globally unique, 3-63 characters: lowercase letters, digits, hyphens, dots)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..")
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days to keep noncurrent (overwritten) state versions before they expire."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be >= 1."
  }
}

variable "create_dynamodb_lock_table" {
  description = "Also create a DynamoDB lock table (only for Terraform < 1.10; newer versions lock with use_lockfile = true in S3)."
  type        = bool
  default     = false
}

variable "dynamodb_table_name" {
  description = "Name of the optional DynamoDB lock table."
  type        = string
  default     = "rsfleet-tf-locks"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.dynamodb_table_name))
    error_message = "dynamodb_table_name must be 3-255 characters of letters, digits, underscore, hyphen, dot."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket with state in it (never in production)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
