variable "name" {
  description = "Name of both the namespace and the workgroup (3-64 characters: lowercase letters, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.name))
    error_message = "name must be 3-64 characters of lowercase letters, digits and hyphens (Redshift Serverless namespace/workgroup name rule)."
  }
}

variable "database_name" {
  description = "Name of the first database created in the namespace."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be 1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore."
  }
}

variable "admin_username" {
  description = "Admin user of the namespace. Its password is generated and kept in AWS Secrets Manager (manage_admin_password)."
  type        = string
  default     = "rsfleet_admin"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.admin_username))
    error_message = "admin_username must be 1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the namespace and its admin secret."
  type        = string
}

variable "iam_role_arns" {
  description = "IAM roles associated with the namespace (COPY/UNLOAD etc.). The first one is the default role."
  type        = list(string)
  default     = []
}

variable "log_exports" {
  description = "Logs exported to CloudWatch Logs: any of userlog, connectionlog, useractivitylog."
  type        = list(string)
  default     = ["userlog", "connectionlog", "useractivitylog"]

  validation {
    condition     = alltrue([for l in var.log_exports : contains(["userlog", "connectionlog", "useractivitylog"], l)])
    error_message = "log_exports may only contain userlog, connectionlog, useractivitylog."
  }
}

variable "log_retention_days" {
  description = "Retention of the audit log groups, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "base_capacity" {
  description = "Base capacity in RPUs (4, 8-512 step 8, 512-1024 step 32 in some regions). Validated in the root module, where the region is known."
  type        = number
}

variable "max_capacity" {
  description = "Max capacity in RPUs (>= base_capacity). null = base_capacity."
  type        = number
  default     = null

  validation {
    condition     = var.max_capacity == null ? true : var.max_capacity <= 5632
    error_message = "max_capacity must be at most 5632 RPU."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the workgroup (three AZs)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the workgroup."
  type        = list(string)
}

variable "port" {
  description = "Port the workgroup listens on."
  type        = number
  default     = 5439
}

variable "max_query_execution_time" {
  description = "Maximum query run time in seconds (config parameter max_query_execution_time); longer queries are stopped."
  type        = number
  default     = 14400

  validation {
    condition     = var.max_query_execution_time >= 60 && var.max_query_execution_time <= 86399
    error_message = "max_query_execution_time must be 60-86399 seconds (AWS allows at most 86,399)."
  }
}

variable "config_overrides" {
  description = "Config parameter values overriding the module defaults (keys: auto_mv, datestyle, enable_case_sensitive_identifier, enable_user_activity_logging, query_group, search_path, use_fips_ssl). require_ssl and max_query_execution_time are not overridable here."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.config_overrides) : contains(["auto_mv", "datestyle", "enable_case_sensitive_identifier", "enable_user_activity_logging", "query_group", "search_path", "use_fips_ssl"], k)])
    error_message = "config_overrides keys must be among auto_mv, datestyle, enable_case_sensitive_identifier, enable_user_activity_logging, query_group, search_path, use_fips_ssl."
  }
}

variable "usage_limit" {
  description = "Optional compute usage limit: amount (RPU-hours), period (daily|weekly|monthly), breach_action (log|emit-metric|deactivate)."
  type = object({
    amount        = number
    period        = optional(string, "monthly")
    breach_action = optional(string, "log")
  })
  default = null

  validation {
    condition = var.usage_limit == null ? true : (
      var.usage_limit.amount >= 1 &&
      contains(["daily", "weekly", "monthly"], var.usage_limit.period) &&
      contains(["log", "emit-metric", "deactivate"], var.usage_limit.breach_action)
    )
    error_message = "usage_limit: amount >= 1 RPU-hour, period daily|weekly|monthly, breach_action log|emit-metric|deactivate."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
