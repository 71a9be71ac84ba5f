variable "name" {
  description = "Name prefix (<project>-<env>); the bucket is <name>-artifacts-<suffix>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,36}$", var.name))
    error_message = "name must be 2-37 characters of lowercase letters, digits and hyphens (S3 bucket prefix rules), starting with a letter."
  }
}

variable "artifact_path" {
  description = "Path of the rsfleet artifact (`make artifact` writes dist/rsfleet-lambda.zip)."
  type        = string

  validation {
    condition     = endswith(var.artifact_path, ".zip") && fileexists(var.artifact_path)
    error_message = "artifact_path must be an existing .zip: run `make artifact` (dist/rsfleet-lambda.zip)."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the bucket's objects (the fleet's key)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
