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

variable "availability_zone_ids" {
  description = "Exactly three Availability Zone IDs (e.g. use1-az1) that Redshift Serverless supports, for keys a, b, c in this order; [] = the first three zone IDs of the region (created VPC) or of the existing subnets."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zone_ids) == 0 || (length(distinct(var.availability_zone_ids)) == 3 && alltrue([for z in var.availability_zone_ids : can(regex("^[a-z]{2,5}[0-9]-az[0-9]+$", z))]))
    error_message = "availability_zone_ids must be empty or list exactly three distinct zone IDs such as \"use1-az1\"."
  }
}

variable "free_ips_needed" {
  description = "Free IPs each subnet needs: total (every workgroup by base capacity per the AWS table, plus endpoints and the NLB) and largest (the biggest single workgroup)."
  type = object({
    total   = number
    largest = number
  })
  default = { total = 0, largest = 0 }

  validation {
    condition     = var.free_ips_needed.total >= var.free_ips_needed.largest && var.free_ips_needed.largest >= 0
    error_message = "free_ips_needed.total must be >= free_ips_needed.largest >= 0."
  }
}

variable "existing_vpc_id" {
  description = "Existing VPC ID (vpc-...), used when create_vpc = false."
  type        = string
  default     = null
}

variable "existing_subnet_ids" {
  description = "Existing private subnet IDs spanning at least 3 AZs, used when create_vpc = false. The first subnet (by ID) in each zone of availability_zone_ids (or of the first three zone IDs) is used."
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

variable "gateway_endpoints" {
  description = "Gateway VPC endpoints (free) to create on the route tables: services among s3, dynamodb. Created in a created VPC, or in an existing one when existing_route_table_ids is set."
  type        = list(string)
  default     = ["s3", "dynamodb"]

  validation {
    condition     = alltrue([for s in var.gateway_endpoints : contains(["s3", "dynamodb"], s)])
    error_message = "gateway_endpoints may only hold \"s3\" and \"dynamodb\" (the only gateway endpoint services)."
  }
}

variable "interface_endpoints" {
  description = "Interface VPC endpoints to create (service names after com.amazonaws.<region>., e.g. ssm, secretsmanager). [] = none. Billed per hour per subnet and per GB."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]{1,62}$", s))]) && length(distinct(var.interface_endpoints)) == length(var.interface_endpoints)
    error_message = "interface_endpoints must be distinct service names such as \"ssm\" or \"redshift-serverless\"."
  }
}

variable "endpoint_subnet_keys" {
  description = "AZ keys (a, b, c) whose subnets get an interface endpoint ENI each (each key adds an hourly charge per endpoint)."
  type        = list(string)
  default     = ["a", "b", "c"]

  validation {
    condition     = length(var.endpoint_subnet_keys) >= 1 && alltrue([for k in var.endpoint_subnet_keys : contains(["a", "b", "c"], k)]) && length(distinct(var.endpoint_subnet_keys)) == length(var.endpoint_subnet_keys)
    error_message = "endpoint_subnet_keys must be distinct keys among a, b, c (at least one)."
  }
}

variable "existing_route_table_ids" {
  description = "Route tables of the existing subnets, for gateway endpoints in an existing VPC ([] = create no gateway endpoint there; an existing S3/DynamoDB endpoint on them would conflict)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.existing_route_table_ids : can(regex("^rtb-[0-9a-f]+$", r))])
    error_message = "existing_route_table_ids must be route table IDs (rtb-...)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
