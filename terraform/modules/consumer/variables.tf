variable "name" {
  description = "Namespace and workgroup name: <project>-<env>-<consumer>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.name))
    error_message = "name must be 3-64 characters of lowercase letters, digits and hyphens."
  }
}

variable "consumer_name" {
  description = "Short consumer name (the key in var.consumers), used in endpoint names."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", var.consumer_name))
    error_message = "consumer_name must be 1-20 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "base_capacity" {
  description = "Base capacity in RPUs (validated in the root module)."
  type        = number
}

variable "max_capacity" {
  description = "Max capacity in RPUs; null = base_capacity."
  type        = number
  default     = null
}

variable "query_timeout_seconds" {
  description = "Queries running longer are stopped (workgroup config parameter max_query_execution_time)."
  type        = number
  default     = 3600

  validation {
    condition     = var.query_timeout_seconds >= 60 && var.query_timeout_seconds <= 86399
    error_message = "query_timeout_seconds must be 60-86399 (AWS allows at most 86,399)."
  }
}

variable "usage_limit" {
  description = "Optional usage limit: amount (RPU-hours), period, breach_action."
  type = object({
    amount        = number
    period        = optional(string, "monthly")
    breach_action = optional(string, "log")
  })
  default = null
}

variable "database_name" {
  description = "Name of the consumer namespace's own first database (shared data is mounted as separate databases from datashares)."
  type        = string
  default     = "dev"
}

variable "admin_username" {
  description = "Admin user name (password managed in Secrets Manager)."
  type        = string
  default     = "rsfleet_admin"
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the namespace and its admin secret."
  type        = string
}

variable "subnet_ids_by_az" {
  description = "Private subnet per static AZ key (a, b, c). One managed VPC endpoint is created per key."
  type        = map(string)

  validation {
    condition     = length(var.subnet_ids_by_az) >= 3
    error_message = "subnet_ids_by_az needs 3 AZ keys (a, b, c)."
  }
}

variable "az_keys" {
  description = "Static AZ keys to create endpoints for (must be keys of subnet_ids_by_az)."
  type        = list(string)
  default     = ["a", "b", "c"]
}

variable "security_group_ids" {
  description = "Security groups of the workgroup and its endpoints (the consumer security group)."
  type        = list(string)
}

variable "port" {
  description = "Redshift port."
  type        = number
  default     = 5439
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of the namespace's audit log groups, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}
