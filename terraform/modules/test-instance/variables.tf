variable "name" {
  description = "Name tag of the instance; rsfleet finds it by <project>-<env>-test (rsfleet.adapters.ec2.name_tag_of_test_instance)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}-test$", var.name))
    error_message = "name must be <project>-<env>-test (lowercase letters, digits, hyphens)."
  }
}

variable "aws_region" {
  description = "Region of the fleet."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as \"us-east-1\"."
  }
}

variable "subnet_id" {
  description = "Private subnet of the instance. It needs HTTPS to SSM, S3 and the APIs rsfleet calls: the fleet's VPC endpoints, or a NAT."
  type        = string
}

variable "client_security_group_id" {
  description = "The fleet's client security group: reaches the NLB, consumers, producer, VPC endpoints and S3."
  type        = string
}

variable "artifact" {
  description = "The rsfleet artifact in S3 (modules/artifacts outputs: bucket, key, sha256), or null to pip-install rsfleet_package_source instead."
  type = object({
    bucket = string
    key    = string
    sha256 = string
  })
  default = null

  validation {
    condition     = var.artifact == null || can(regex("^[0-9a-f]{64}$", var.artifact.sha256))
    error_message = "artifact.sha256 must be 64 lowercase hex digits."
  }
}

variable "rsfleet_package_source" {
  description = "pip requirement installing rsfleet when there is no artifact (needs internet through a NAT), e.g. \"rsfleet[aws,report]==0.1.0\"; null = use artifact."
  type        = string
  default     = null

  validation {
    condition     = var.rsfleet_package_source == null || can(regex("^[A-Za-z0-9@:/._+#=<>!~,\\[\\]-]+$", var.rsfleet_package_source))
    error_message = "rsfleet_package_source must be a single pip requirement without spaces or quotes (letters, digits and @:/._+#=<>!~,[]-)."
  }
}

variable "readable_secret_arns" {
  description = "Secrets Manager ARNs the instance may read (the admin secrets used by rsfleet loadtest/diagnose)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.readable_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:", a))])
    error_message = "readable_secret_arns must be Secrets Manager ARNs."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting those secrets and the artifact; null = none."
  type        = string
  default     = null
}

variable "drain_access" {
  description = "What `rsfleet loadtest --drain` run on the instance needs: target_group_arn (register/deregister the fleet's targets) and, with the controller, state_table_arn and state_kms_key_arn (the shared drain state in DynamoDB); null = no drain rights."
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

  validation {
    condition     = var.drain_access == null || ((try(var.drain_access.state_table_arn, null) == null) == (try(var.drain_access.state_kms_key_arn, null) == null))
    error_message = "drain_access.state_table_arn and drain_access.state_kms_key_arn go together (the controller's table and its KMS key), or both null."
  }
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as \"t3.small\"."
  }
}

variable "ami_id" {
  description = "AMI ID; null = latest Amazon Linux 2023 (x86_64) from the public SSM parameter."
  type        = string
  default     = null
}

variable "boot_dependency_ids" {
  description = "IDs of what must exist before the instance boots (the VPC endpoints it registers with SSM and downloads the artifact through): it is created after them."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
