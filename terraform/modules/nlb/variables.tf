variable "name" {
  description = "Name prefix (<project>-<env>). Load balancer and target group names are derived from it and shortened with a hash to fit 32 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the NLB (one per AZ)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids needs at least one subnet."
  }
}

variable "security_group_ids" {
  description = "Security groups attached to the NLB (the networking module's nlb group)."
  type        = list(string)
}

variable "port" {
  description = "TCP listener port clients connect to."
  type        = number
  default     = 5439

  validation {
    condition     = var.port >= 1 && var.port <= 65535
    error_message = "port must be 1-65535."
  }
}

variable "target_port" {
  description = "Port of the targets (the consumers' Redshift port)."
  type        = number
  default     = 5439
}

variable "health_check_interval" {
  description = "Seconds between health checks of a target (5-300)."
  type        = number
  default     = 10

  validation {
    condition     = var.health_check_interval >= 5 && var.health_check_interval <= 300
    error_message = "health_check_interval must be 5-300 seconds."
  }
}

variable "health_check_timeout" {
  description = "Seconds without a response that fail a health check (2-120, <= interval)."
  type        = number
  default     = 5

  validation {
    condition     = var.health_check_timeout >= 2 && var.health_check_timeout <= 120
    error_message = "health_check_timeout must be 2-120 seconds."
  }
}

variable "healthy_threshold" {
  description = "Consecutive successful checks before a target is healthy (2-10)."
  type        = number
  default     = 2

  validation {
    condition     = var.healthy_threshold >= 2 && var.healthy_threshold <= 10
    error_message = "healthy_threshold must be 2-10."
  }
}

variable "unhealthy_threshold" {
  description = "Consecutive failed checks before a target is unhealthy (2-10)."
  type        = number
  default     = 2

  validation {
    condition     = var.unhealthy_threshold >= 2 && var.unhealthy_threshold <= 10
    error_message = "unhealthy_threshold must be 2-10."
  }
}

variable "deregistration_delay" {
  description = "Seconds a deregistered target keeps serving existing connections before they are closed (0-3600)."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "deregistration_delay must be 0-3600 seconds."
  }
}

variable "cross_zone" {
  description = "Enable cross-zone load balancing (each NLB node spreads over targets in all AZs)."
  type        = bool
  default     = true
}

variable "targets" {
  description = "Targets to register: static key (\"<consumer>-<az>\") => private IP. Keys must be known at plan time; IPs may be known only after apply."
  type        = map(string)
  default     = {}
}

variable "register_targets_with_terraform" {
  description = "true: Terraform registers every target; false: rsfleet owns target membership (registers only ready consumers) and Terraform creates no attachments."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Optional S3 bucket for NLB access logs (its bucket policy must allow log delivery). null = no access logs."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Prefix of the access logs in access_logs_bucket."
  type        = string
  default     = "nlb"
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion (turn off before destroy)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
