variable "project_name" {
  description = "Project name (as in the fleet spec)."
  type        = string
  default     = "rsfleet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3-20 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment of the fleet this instance tests (dev, staging, prod, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 2-16 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "aws_region" {
  description = "Region of the fleet."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as \"us-east-1\"."
  }
}

variable "subnet_id" {
  description = "Private subnet of the instance (root output test_instance_inputs.subnet_id). It needs outbound HTTPS to SSM and S3 (the fleet's VPC endpoints, or a NAT)."
  type        = string

  validation {
    condition     = can(regex("^subnet-[0-9a-f]+$", var.subnet_id))
    error_message = "subnet_id must be a subnet ID (subnet-...)."
  }
}

variable "client_security_group_id" {
  description = "The fleet's client security group (root output test_instance_inputs.security_group_id): lets the instance reach the NLB, consumers and producer."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-zA-Z]+$", var.client_security_group_id))
    error_message = "client_security_group_id must be a security group ID (sg-...)."
  }
}

variable "artifact" {
  description = "The rsfleet artifact in S3 (root output test_instance_inputs.artifact: bucket, key, sha256); null = pip-install rsfleet_package_source instead."
  type = object({
    bucket = string
    key    = string
    sha256 = string
  })
  default = null
}

variable "rsfleet_package_source" {
  description = "pip requirement that installs rsfleet when there is no artifact (needs a NAT), e.g. \"rsfleet[aws,report]==0.1.0\"; null = use artifact."
  type        = string
  default     = null

  validation {
    condition     = var.rsfleet_package_source == null || can(regex("^[A-Za-z0-9@:/._+#=<>!~,\\[\\]-]+$", var.rsfleet_package_source))
    error_message = "rsfleet_package_source must be a single pip requirement without spaces or quotes (letters, digits and @:/._+#=<>!~,[]-)."
  }
}

variable "readable_secret_arns" {
  description = "Secrets Manager ARNs the instance may read (root output test_instance_inputs.secret_arns): the admin secrets used by rsfleet loadtest/diagnose."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.readable_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:", a))])
    error_message = "readable_secret_arns must be Secrets Manager ARNs."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting those secrets (root output kms_key_arn); null = none."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
  default     = "t3.small"
}

variable "ami_id" {
  description = "AMI ID; null = latest Amazon Linux 2023 (x86_64) from the public SSM parameter."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}

variable "drain_access" {
  description = "For `rsfleet loadtest --drain` on the instance (root output test_instance_inputs.drain_access): target_group_arn and, with the controller, state_table_arn and state_kms_key_arn; null = the instance only reads."
  type = object({
    target_group_arn  = string
    state_table_arn   = optional(string)
    state_kms_key_arn = optional(string)
  })
  default = null

  validation {
    condition     = var.drain_access == null || can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/", var.drain_access.target_group_arn))
    error_message = "drain_access.target_group_arn must be a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)."
  }
}
