variable "name" {
  description = "Namespace and workgroup name: <project>-<env>-producer."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,64}$", var.name))
    error_message = "name must be 3-64 characters of lowercase letters, digits and hyphens."
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

variable "database_name" {
  description = "Producer database name."
  type        = string
  default     = "dev"
}

variable "admin_username" {
  description = "Admin user name (password managed in Secrets Manager)."
  type        = string
  default     = "rsfleet_admin"
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

variable "max_query_execution_time" {
  description = "Maximum query run time on the producer, in seconds (set at creation; AWS allows at most 86,399)."
  type        = number
  default     = 14400

  validation {
    condition     = var.max_query_execution_time >= 60 && var.max_query_execution_time <= 86399
    error_message = "max_query_execution_time must be 60-86399 seconds (AWS allows at most 86,399)."
  }
}

variable "subnet_ids" {
  description = "Private subnets in three AZs."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 3
    error_message = "subnet_ids needs at least 3 subnets (3 AZs) for a Redshift Serverless workgroup."
  }
}

variable "security_group_ids" {
  description = "Security groups of the producer workgroup."
  type        = list(string)
}

variable "port" {
  description = "Redshift port."
  type        = number
  default     = 5439
}

variable "s3_read_bucket_arns" {
  description = "S3 bucket ARNs the producer's IAM role may read for COPY (least privilege: empty = no S3 access)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.s3_read_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", a))])
    error_message = "s3_read_bucket_arns must be S3 bucket ARNs (arn:aws:s3:::bucket-name)."
  }
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
