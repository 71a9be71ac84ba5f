variable "name" {
  description = "Name prefix (<project>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "workgroups" {
  description = "Workgroups to watch: label (\"producer\", consumer name) => {name = workgroup name, max_capacity = RPU}."
  type = map(object({
    name         = string
    max_capacity = number
  }))
}

variable "nlb_arn_suffix" {
  description = "ARN suffix of the NLB (CloudWatch dimension LoadBalancer)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the consumers' target group (CloudWatch dimension TargetGroup)."
  type        = string
}

variable "capacity_alarm_minutes" {
  description = "Alarm when a workgroup runs at its max capacity for this many minutes in a row."
  type        = number
  default     = 30

  validation {
    condition     = var.capacity_alarm_minutes >= 5 && var.capacity_alarm_minutes <= 1440
    error_message = "capacity_alarm_minutes must be 5-1440."
  }
}

variable "failed_queries_threshold" {
  description = "Alarm when more than this many queries fail on a workgroup within 5 minutes."
  type        = number
  default     = 10

  validation {
    condition     = var.failed_queries_threshold >= 0
    error_message = "failed_queries_threshold must be >= 0."
  }
}

variable "cost_allocation_tag" {
  description = "The tag (key, value) that marks this fleet's resources; the budget counts the costs carrying it. Activate the key as a cost allocation tag in the Billing console."
  type = object({
    key   = string
    value = string
  })

  validation {
    condition     = length(var.cost_allocation_tag.key) >= 1 && length(var.cost_allocation_tag.key) <= 128 && !startswith(var.cost_allocation_tag.key, "aws:") && length(var.cost_allocation_tag.value) >= 1 && length(var.cost_allocation_tag.value) <= 256 && !strcontains(var.cost_allocation_tag.value, "$")
    error_message = "cost_allocation_tag needs a key (1-128 characters, not aws:...) and a value (1-256 characters, no $)."
  }
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget for Amazon Redshift in USD; 0 = no budget."
  type        = number
  default     = 1000

  validation {
    condition     = var.monthly_budget_usd >= 0
    error_message = "monthly_budget_usd must be >= 0."
  }
}

variable "controller" {
  description = "The readiness controller to watch (terraform/modules/controller), or null: function_name, dlq_name, fleet (<project>/<env>, the Fleet dimension of its rsfleet/controller metrics)."
  type = object({
    function_name = string
    dlq_name      = string
    fleet         = string
  })
  default = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
