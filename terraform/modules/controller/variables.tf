variable "name" {
  description = "Name prefix (<project>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "fleet" {
  description = "The fleet's key in the state table: <project>/<env> (what the CLI uses)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}/[a-z][a-z0-9-]{0,40}$", var.fleet))
    error_message = "fleet must be <project>/<env>, lowercase letters, digits and hyphens."
  }
}

variable "artifact_path" {
  description = "Path of dist/rsfleet-lambda.zip (`make artifact`): rsfleet and its dependencies for the Lambda runtime."
  type        = string

  validation {
    condition     = endswith(var.artifact_path, ".zip")
    error_message = "artifact_path must be the .zip that `make artifact` writes (dist/rsfleet-lambda.zip)."
  }
}

variable "runtime" {
  description = "Lambda runtime; the artifact is built for it (src/rsfleet/controller/artifact.py PYTHON_VERSION)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = var.runtime == "python3.12"
    error_message = "runtime must be python3.12: the artifact's wheels are built for CPython 3.12."
  }
}

variable "vpc_id" {
  description = "VPC of the fleet."
  type        = string

  validation {
    condition     = length(var.vpc_id) > 0
    error_message = "vpc_id must not be empty."
  }
}

variable "subnet_ids" {
  description = "The fleet's private subnets: the function's network interfaces go there."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : length(s) > 0])
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "consumer_security_group_id" {
  description = "Security group of the consumer workgroups: the function probes them on port 5439."
  type        = string

  validation {
    condition     = length(var.consumer_security_group_id) > 0
    error_message = "consumer_security_group_id must not be empty."
  }
}

variable "endpoint_security_group_id" {
  description = "Security group of the interface VPC endpoints (egress 443 to it), or null when the VPC reaches AWS APIs another way (NAT)."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint_security_group_id == null || length(coalesce(var.endpoint_security_group_id, "x")) > 0
    error_message = "endpoint_security_group_id must be a security group ID or null, not empty."
  }
}

variable "dynamodb_prefix_list_id" {
  description = "Prefix list of the DynamoDB gateway endpoint (egress 443 to it), or null."
  type        = string
  default     = null

  validation {
    condition     = var.dynamodb_prefix_list_id == null || length(coalesce(var.dynamodb_prefix_list_id, "x")) > 0
    error_message = "dynamodb_prefix_list_id must be a prefix list ID or null, not empty."
  }
}

variable "vpc_endpoint_egress" {
  description = "Which egress rules to create, known at plan time: interface (443 to endpoint_security_group_id), dynamodb (443 to dynamodb_prefix_list_id)."
  type = object({
    interface = bool
    dynamodb  = bool
  })
  default = { interface = false, dynamodb = false }
}

variable "https_egress_cidrs" {
  description = "Extra CIDRs the function may reach on 443 (e.g. a NAT route: [\"0.0.0.0/0\"]). Empty: only the VPC endpoints."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.https_egress_cidrs : can(cidrnetmask(c))])
    error_message = "https_egress_cidrs must be IPv4 CIDRs."
  }
}

variable "target_group_arn" {
  description = "The NLB target group the controller registers and deregisters consumer endpoints in."
  type        = string

  validation {
    condition     = length(var.target_group_arn) > 0
    error_message = "target_group_arn must not be empty."
  }
}

variable "consumer_workgroup_arns" {
  description = "ARNs of the consumer workgroups behind the NLB (redshift-serverless:GetWorkgroup is scoped to them)."
  type        = list(string)

  validation {
    condition     = length(var.consumer_workgroup_arns) >= 1 && alltrue([for a in var.consumer_workgroup_arns : length(a) > 0])
    error_message = "consumer_workgroup_arns must list at least one workgroup ARN (the consumers behind the NLB)."
  }
}

variable "probe_secret_arn" {
  description = "Secrets Manager secret (JSON username/password) of a reader on every consumer, for the direct readiness probe (your own; see create_probe_secret for one made here); null and create_probe_secret false: no probe (membership and operator drains only)."
  type        = string
  default     = null

  validation {
    condition     = var.probe_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", var.probe_secret_arn))
    error_message = "probe_secret_arn must be a Secrets Manager secret ARN or null."
  }
}

variable "create_probe_secret" {
  description = "Create the probe secret in this module (encrypted with its KMS key, tagged as rsfleet's, no value: `rsfleet --backend aws share apply` writes the password and creates the login on every consumer, so the password never enters Terraform state). Needs probe_secret_arn = null."
  type        = bool
  default     = false
}

variable "probe_secret_kms_key_arn" {
  description = "KMS key of the probe secret when it is not the AWS-managed one (kms:Decrypt is granted on it), or null."
  type        = string
  default     = null

  validation {
    condition     = var.probe_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.probe_secret_kms_key_arn))
    error_message = "probe_secret_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "spec_json" {
  description = "RSFLEET_SPEC: the fleet spec's parts the controller reads (names, consumers, datashares, nlb), JSON. Lambda limits all environment variables together to 4 KB."
  type        = string

  validation {
    condition     = can(jsondecode(var.spec_json)) && length(var.spec_json) <= 3000
    error_message = "spec_json must be JSON of at most 3000 characters (Lambda environment limit 4 KB)."
  }
}

variable "settings" {
  description = "Controller settings: interval_seconds between passes (1-60), data_check_seconds between billed data checks per consumer (0 = every pass), data_retry_seconds after a failed one, rise/fall probes in a row, probe_timeout_seconds, timeout_seconds of one invocation (invoked every minute), safety_margin_seconds before it."
  type = object({
    interval_seconds      = optional(number, 5)
    data_check_seconds    = optional(number, 3600)
    data_retry_seconds    = optional(number, 300)
    rise                  = optional(number, 2)
    fall                  = optional(number, 2)
    probe_timeout_seconds = optional(number, 2)
    timeout_seconds       = optional(number, 60)
    safety_margin_seconds = optional(number, 3)
  })
  default = {}

  validation {
    condition     = var.settings.interval_seconds >= 1 && var.settings.interval_seconds <= 60
    error_message = "settings.interval_seconds must be 1-60."
  }

  validation {
    condition     = var.settings.data_check_seconds >= 0 && var.settings.data_check_seconds <= 86400 && var.settings.data_retry_seconds >= 0 && var.settings.data_retry_seconds <= 86400
    error_message = "settings.data_check_seconds and data_retry_seconds must be 0-86400."
  }

  validation {
    condition     = var.settings.rise >= 1 && var.settings.rise <= 10 && var.settings.fall >= 1 && var.settings.fall <= 10
    error_message = "settings.rise and settings.fall must be 1-10."
  }

  validation {
    condition     = var.settings.timeout_seconds >= 30 && var.settings.timeout_seconds <= 900 && var.settings.safety_margin_seconds >= 1 && var.settings.safety_margin_seconds < var.settings.timeout_seconds - var.settings.interval_seconds
    error_message = "settings.timeout_seconds must be 30-900 and leave at least one interval after safety_margin_seconds (>= 1)."
  }

  validation {
    condition     = var.settings.probe_timeout_seconds >= 0.5 && var.settings.probe_timeout_seconds <= 30
    error_message = "settings.probe_timeout_seconds must be 0.5-30."
  }
}

variable "memory_mb" {
  description = "Memory of the function (MB); CPU scales with it."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be 128-10240."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group (days)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (e.g. 30, 365)."
  }
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection on the state table (the root turns it on in prod; `rsfleet destroy` turns it off first)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
