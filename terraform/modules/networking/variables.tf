variable "name" {
  description = "Name prefix for the resources (<project>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "create_vpc" {
  description = "true: create a VPC with three private /23 subnets; false: use existing_vpc_id and existing_subnet_ids."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC to create (prefix /16 to /21). The subnets are its first three /23 blocks."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrsubnet(var.vpc_cidr, 0, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 21, false)
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix from /16 to /21 (three /23 subnets must fit)."
  }
}

variable "availability_zones" {
  description = "Exactly three AZ names for the created subnets (keys a, b, c in this order); [] = the first three available zones of the region."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(distinct(var.availability_zones)) == 3
    error_message = "availability_zones must be empty or list exactly three distinct AZ names."
  }
}

variable "existing_vpc_id" {
  description = "Existing VPC ID (vpc-...), used when create_vpc = false."
  type        = string
  default     = null
}

variable "existing_subnet_ids" {
  description = "Existing private subnet IDs spanning at least 3 AZs, used when create_vpc = false. The first subnet (by ID) of each of the first three AZs (by name) is used."
  type        = list(string)
  default     = []
}

variable "port" {
  description = "Redshift port the consumers and the producer listen on."
  type        = number
  default     = 5439

  validation {
    condition     = var.port >= 1 && var.port <= 65535
    error_message = "port must be 1-65535."
  }
}

variable "nlb_listener_ports" {
  description = "Ports the NLB listens on (clients -> NLB)."
  type        = list(number)
  default     = [5439]

  validation {
    condition     = length(var.nlb_listener_ports) >= 1 && alltrue([for p in var.nlb_listener_ports : p >= 1 && p <= 65535])
    error_message = "nlb_listener_ports must hold 1..65535 port numbers."
  }
}

variable "allowed_cidrs" {
  description = "Extra client CIDRs admitted by the NLB security group on its listener ports."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrnetmask(c))])
    error_message = "allowed_cidrs must be IPv4 CIDRs."
  }
}

variable "allowed_security_group_ids" {
  description = "Extra client security groups admitted by the NLB security group on its listener ports."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for sg in var.allowed_security_group_ids : can(regex("^sg-[0-9a-zA-Z]+$", sg))])
    error_message = "allowed_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "create_s3_gateway_endpoint" {
  description = "Create an S3 gateway VPC endpoint in a created VPC (COPY/UNLOAD with enhanced VPC routing need a path to S3). Free of charge."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
