# Root variables: the fleet spec (docs/CONTRACTS.md §1). The same rules are enforced by
# rsfleet's pydantic models (src/rsfleet/spec/models.py); keep the two in step.
#
# Capacity rule, AWS "Compute capacity for Amazon Redshift Serverless"
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html :
# base capacity is 4 RPU, or 8-512 in steps of 8, or 512-1024 in steps of 32. Regions with
# 1,024 RPU: that page lists us-east-1, us-east-2, us-west-2, eu-west-1, eu-central-1;
# "Considerations when using Amazon Redshift Serverless"
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html lists
# eu-west-2 instead of eu-central-1. Both are allowed here (the pages disagree; see
# terraform/README.md, "Verified only on paper"). Max capacity up to 5632 RPU.

variable "project_name" {
  description = "Project name, first part of every AWS name (<project>-<env>-<component>). 3-20 characters: lowercase letters, digits, hyphens; starts with a letter."
  type        = string
  default     = "rsfleet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3-20 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (e.g. \"rsfleet\")."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...). 2-16 characters: lowercase letters, digits, hyphens; starts with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 2-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (e.g. \"dev\")."
  }
}

variable "aws_region" {
  description = "AWS region of the fleet, e.g. us-east-1."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as \"us-east-1\" or \"eu-west-1\"."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC created when create_vpc = true. Prefix /16 to /21, so that three /23 private subnets fit."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition = (
      can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", var.vpc_cidr)) &&
      can(cidrsubnet(var.vpc_cidr, 0, 0)) &&
      try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false) &&
      try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 21, false)
    )
    error_message = "vpc_cidr must be a valid IPv4 network in CIDR notation with no host bits set (e.g. \"10.40.0.0/16\") and a prefix from /16 to /21, so that three /23 subnets fit."
  }
}

variable "create_vpc" {
  description = "true: create a VPC with three private /23 subnets in three AZs. false: use existing_vpc_id and existing_subnet_ids."
  type        = bool
  default     = true
}

variable "existing_vpc_id" {
  description = "ID of an existing VPC (vpc-...). Required when create_vpc = false, ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.existing_vpc_id == null ? true : can(regex("^vpc-[0-9a-f]+$", var.existing_vpc_id))
    error_message = "existing_vpc_id must be a VPC ID such as \"vpc-0123456789abcdef0\" (or null)."
  }

  validation {
    condition     = var.create_vpc || var.existing_vpc_id != null
    error_message = "existing_vpc_id must be a vpc-... id when create_vpc = false."
  }
}

variable "existing_subnet_ids" {
  description = "IDs of existing private subnets (subnet-...) in at least 3 Availability Zones. Required when create_vpc = false, ignored otherwise."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.existing_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "existing_subnet_ids must contain subnet IDs such as \"subnet-0123456789abcdef0\"."
  }

  validation {
    condition     = var.create_vpc || length(distinct(var.existing_subnet_ids)) >= 3
    error_message = "existing_subnet_ids needs at least 3 subnets (3 AZs) when create_vpc = false."
  }
}

variable "availability_zone_ids" {
  description = "Three Availability Zone IDs (e.g. [\"use1-az1\", \"use1-az2\", \"use1-az4\"]) for the fleet's subnets, in zones Redshift Serverless supports (check the subnet's zone ID in the VPC console). [] = the first three zone IDs of the region (created VPC) or of existing_subnet_ids."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zone_ids) == 0 || (length(distinct(var.availability_zone_ids)) == 3 && alltrue([for z in var.availability_zone_ids : can(regex("^[a-z]{2,5}[0-9]-az[0-9]+$", z))]))
    error_message = "availability_zone_ids must be [] or exactly three distinct zone IDs such as \"use1-az1\" (zone IDs, not names like us-east-1a)."
  }
}

variable "producer" {
  description = <<-EOT
    The producer workgroup (takes the writes, owns the datashares):
    base_capacity (RPU), max_capacity (optional, RPU), database_name (default "dev"),
    admin_username (default "rsfleet_admin"), usage_limit (optional: amount RPU-hours,
    period daily|weekly|monthly, breach_action log|emit-metric|deactivate), backup
    (optional, applied by `rsfleet backup apply`: schedule, retention_days, role_arn,
    copy = { region, retention_days, kms_key_id }).
  EOT
  type = object({
    base_capacity  = number
    max_capacity   = optional(number)
    database_name  = optional(string, "dev")
    admin_username = optional(string, "rsfleet_admin")
    usage_limit = optional(object({
      amount        = number
      period        = optional(string, "monthly")
      breach_action = optional(string, "log")
    }))
    backup = optional(object({
      schedule       = optional(string, "rate(12 hours)")
      retention_days = optional(number, 7)
      role_arn       = optional(string)
      copy = optional(object({
        region         = string
        retention_days = optional(number, 7)
        kms_key_id     = optional(string)
      }))
    }))
  })

  validation {
    condition = (
      var.producer.base_capacity == 4 ||
      (var.producer.base_capacity >= 8 && var.producer.base_capacity <= 512 && var.producer.base_capacity % 8 == 0) ||
      (var.producer.base_capacity > 512 && var.producer.base_capacity <= 1024 && var.producer.base_capacity % 32 == 0)
    )
    error_message = "producer.base_capacity must be 4, or 8-512 in steps of 8, or 512-1024 in steps of 32 (RPU)."
  }

  validation {
    condition = (
      var.producer.base_capacity <= 512 ||
      contains(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2"], var.aws_region)
    )
    error_message = "producer.base_capacity above 512 RPU is only offered in eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2 (not ${var.aws_region})."
  }

  validation {
    condition = var.producer.max_capacity == null ? true : (
      var.producer.max_capacity >= var.producer.base_capacity
    )
    error_message = "producer.max_capacity must be >= base_capacity."
  }

  validation {
    condition = var.producer.max_capacity == null ? true : (
      var.producer.max_capacity <= 5632 &&
      (var.producer.max_capacity % 8 == 0 || (var.producer.base_capacity == 4 && var.producer.max_capacity == 4))
    )
    error_message = "producer.max_capacity must be a multiple of 8 (or 4 when base is 4), at most 5632 RPU."
  }

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.producer.database_name)) && can(regex("^[a-z_][a-z0-9_]{0,62}$", var.producer.admin_username))
    error_message = "producer.database_name and producer.admin_username must be 1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore."
  }

  # Same rule as rsfleet's spec (src/rsfleet/spec/identifiers.py RESERVED_DATABASES).
  validation {
    condition     = !contains(["postgres", "template0", "template1"], var.producer.database_name)
    error_message = "producer.database_name must not be postgres, template0 or template1 (reserved)."
  }

  validation {
    condition = var.producer.usage_limit == null ? true : (
      var.producer.usage_limit.amount >= 1 &&
      floor(var.producer.usage_limit.amount) == var.producer.usage_limit.amount &&
      contains(["daily", "weekly", "monthly"], var.producer.usage_limit.period) &&
      contains(["log", "emit-metric", "deactivate"], var.producer.usage_limit.breach_action)
    )
    error_message = "producer.usage_limit: amount must be a whole number of RPU-hours >= 1, period one of daily, weekly, monthly, breach_action one of log, emit-metric, deactivate."
  }

  # producer.backup: the same rules as rsfleet's spec (src/rsfleet/spec/models.py Backup,
  # src/rsfleet/spec/schedule.py). Terraform creates no snapshot schedule; `rsfleet backup
  # apply` does. The scheduler's cron has 6 fields and runs at least an hour apart:
  # https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-snapshot-scheduling.html
  validation {
    condition = var.producer.backup == null ? true : (
      can(regex("^rate\\((1|2|3|4|6|8|12|24) hours?\\)$", var.producer.backup.schedule)) ||
      can(regex("^rate\\((1|7) days?\\)$", var.producer.backup.schedule)) ||
      (
        can(regex("^cron\\([0-9]{1,2} [0-9*,/-]+ [0-9*,/?LW-]+ [0-9A-Za-z*,/-]+ [0-9A-Za-z*,?L#-]+ [0-9*,/-]+\\)$", var.producer.backup.schedule)) &&
        try(tonumber(split(" ", trimprefix(var.producer.backup.schedule, "cron("))[0]) <= 59, false) &&
        try((split(" ", var.producer.backup.schedule)[2] == "?") != (split(" ", var.producer.backup.schedule)[4] == "?"), false)
      )
    )
    error_message = "producer.backup.schedule must be rate(N hours) with N in 1, 2, 3, 4, 6, 8, 12, 24, rate(1 day), rate(7 days), or cron(Minutes Hours Day-of-month Month Day-of-week Year) with a single minute 0-59 and exactly one of Day-of-month and Day-of-week '?'."
  }

  # Snapshot retention: 1-3653 days (CreateSnapshot.retentionPeriod;
  # https://docs.aws.amazon.com/redshift/latest/mgmt/managing-snapshots-console.html).
  validation {
    condition = var.producer.backup == null ? true : (
      var.producer.backup.retention_days >= 1 && var.producer.backup.retention_days <= 3653 &&
      floor(var.producer.backup.retention_days) == var.producer.backup.retention_days && (
        var.producer.backup.copy == null ? true : (
          var.producer.backup.copy.retention_days >= 1 && var.producer.backup.copy.retention_days <= 3653 &&
          floor(var.producer.backup.copy.retention_days) == var.producer.backup.copy.retention_days
        )
      )
    )
    error_message = "producer.backup.retention_days and producer.backup.copy.retention_days must be whole numbers of days from 1 to 3653."
  }

  validation {
    condition = var.producer.backup == null ? true : (
      var.producer.backup.role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", var.producer.backup.role_arn))
    )
    error_message = "producer.backup.role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)."
  }

  validation {
    condition = var.producer.backup == null ? true : var.producer.backup.copy == null ? true : (
      can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.producer.backup.copy.region)) && (
        var.producer.backup.copy.kms_key_id == null ? true : can(regex("^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[A-Za-z0-9/_-]+)$", var.producer.backup.copy.kms_key_id))
      )
    )
    error_message = "producer.backup.copy.region must be an AWS region name such as \"us-west-2\", and copy.kms_key_id (optional) a KMS key id, key ARN or alias."
  }
}

variable "consumers" {
  description = <<-EOT
    Consumer workgroups, one per key (the consumer name, 1-20 characters of lowercase
    letters, digits and hyphens; not "producer" or "lb"). Each: base_capacity, max_capacity (optional),
    behind_nlb (default true), query_timeout_seconds (default 3600, 60-86399),
    usage_limit (optional, same shape as producer.usage_limit).
  EOT
  type = map(object({
    base_capacity         = number
    max_capacity          = optional(number)
    behind_nlb            = optional(bool, true)
    query_timeout_seconds = optional(number, 3600)
    usage_limit = optional(object({
      amount        = number
      period        = optional(string, "monthly")
      breach_action = optional(string, "log")
    }))
  }))

  validation {
    condition     = length(var.consumers) >= 1
    error_message = "at least one consumer is required."
  }

  validation {
    condition     = alltrue([for name in keys(var.consumers) : can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", name))])
    error_message = "consumer names must be 1-20 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen. Bad: ${join(", ", [for name in keys(var.consumers) : name if !can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", name))])}."
  }

  # "producer" would give a consumer the producer's names (<project>-<env>-producer); "lb"
  # names the load balancer in rsfleet's local fleet and commands.
  validation {
    condition     = !contains(keys(var.consumers), "producer") && !contains(keys(var.consumers), "lb")
    error_message = "consumer names \"producer\" and \"lb\" are reserved (the producer workgroup, the load balancer): pick another name."
  }

  validation {
    condition = alltrue([for name, c in var.consumers : (
      c.base_capacity == 4 ||
      (c.base_capacity >= 8 && c.base_capacity <= 512 && c.base_capacity % 8 == 0) ||
      (c.base_capacity > 512 && c.base_capacity <= 1024 && c.base_capacity % 32 == 0)
    )])
    error_message = "consumers.*.base_capacity must be 4, or 8-512 in steps of 8, or 512-1024 in steps of 32 (RPU)."
  }

  validation {
    condition = alltrue([for name, c in var.consumers : (
      c.base_capacity <= 512 ||
      contains(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2"], var.aws_region)
    )])
    error_message = "consumers.*.base_capacity above 512 RPU is only offered in eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2 (not ${var.aws_region})."
  }

  validation {
    condition     = alltrue([for name, c in var.consumers : c.max_capacity == null ? true : c.max_capacity >= c.base_capacity])
    error_message = "consumers.*.max_capacity must be >= base_capacity."
  }

  validation {
    condition = alltrue([for name, c in var.consumers : c.max_capacity == null ? true : (
      c.max_capacity <= 5632 && (c.max_capacity % 8 == 0 || (c.base_capacity == 4 && c.max_capacity == 4))
    )])
    error_message = "consumers.*.max_capacity must be a multiple of 8 (or 4 when base is 4), at most 5632 RPU."
  }

  # max_query_execution_time: "Valid values are 0–86,399" (Max query execution time),
  # https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html
  validation {
    condition     = alltrue([for name, c in var.consumers : c.query_timeout_seconds >= 60 && c.query_timeout_seconds <= 86399 && floor(c.query_timeout_seconds) == c.query_timeout_seconds])
    error_message = "consumers.*.query_timeout_seconds must be a whole number of seconds from 60 to 86399 (AWS allows at most 86,399)."
  }

  validation {
    condition = alltrue([for name, c in var.consumers : c.usage_limit == null ? true : (
      c.usage_limit.amount >= 1 &&
      floor(c.usage_limit.amount) == c.usage_limit.amount &&
      contains(["daily", "weekly", "monthly"], c.usage_limit.period) &&
      contains(["log", "emit-metric", "deactivate"], c.usage_limit.breach_action)
    )])
    error_message = "consumers.*.usage_limit: amount must be a whole number of RPU-hours >= 1, period one of daily, weekly, monthly, breach_action one of log, emit-metric, deactivate."
  }

  validation {
    condition     = anytrue([for name, c in var.consumers : c.behind_nlb])
    error_message = "at least one consumer must have behind_nlb = true."
  }
}

variable "datashares" {
  description = <<-EOT
    Datashares from the producer, one per key (the datashare name, an identifier). Each:
    schemas (shared with INCLUDENEW), tables ("schema.table"), consumers (names or ["*"],
    default ["*"]), consumer_database (default "<share>_db"). Rendered as SQL in the
    data_sharing_commands output; applied by `rsfleet share apply`.
  EOT
  type = map(object({
    schemas           = optional(list(string), [])
    tables            = optional(list(string), [])
    consumers         = optional(list(string), ["*"])
    consumer_database = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.datashares) : can(regex("^[a-z_][a-z0-9_]{0,62}$", name))])
    error_message = "datashare names must be 1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : alltrue([for s in d.schemas : can(regex("^[a-z_][a-z0-9_]{0,62}$", s))]) && length(distinct(d.schemas)) == length(d.schemas)])
    error_message = "datashares.*.schemas must be distinct identifiers (1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore)."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : alltrue([for t in d.tables : can(regex("^[a-z_][a-z0-9_]{0,62}\\.[a-z_][a-z0-9_]{0,62}$", t))]) && length(distinct(d.tables)) == length(d.tables)])
    error_message = "datashares.*.tables must be distinct \"schema.table\" names, both parts identifiers (1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore)."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : length(d.schemas) + length(d.tables) >= 1])
    error_message = "each datashare needs at least one schema or one table."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : d.consumer_database == null ? true : can(regex("^[a-z_][a-z0-9_]{0,62}$", d.consumer_database))])
    error_message = "datashares.*.consumer_database must be an identifier (1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore)."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : !contains(d.consumers, "*") || length(d.consumers) == 1])
    error_message = "datashares.*.consumers: use either [\"*\"] or a list of consumer names, not both."
  }

  validation {
    condition     = alltrue(flatten([for name, d in var.datashares : [for c in d.consumers : c == "*" || contains(keys(var.consumers), c)]]))
    error_message = "datashares.*.consumers must be \"*\" or names of consumers (known: ${join(", ", sort(keys(var.consumers)))}). Unknown: ${join(", ", distinct(flatten([for name, d in var.datashares : [for c in d.consumers : "${name}: ${c}" if c != "*" && !contains(keys(var.consumers), c)]])))}."
  }

  # Same rules as rsfleet's spec (src/rsfleet/spec/identifiers.py): pg_* and
  # information_schema are system schemas; postgres/template0/template1 are the server's.
  validation {
    condition = alltrue(flatten([for name, d in var.datashares : [
      for s in concat(d.schemas, [for t in d.tables : split(".", t)[0]]) :
      s != "information_schema" && !startswith(s, "pg_")
    ]]))
    error_message = "datashares.*.schemas and the schema of datashares.*.tables must not be pg_* or information_schema (reserved system schemas)."
  }

  validation {
    condition     = alltrue([for name, d in var.datashares : !contains(["postgres", "template0", "template1"], coalesce(d.consumer_database, "${name}_db"))])
    error_message = "datashares.*.consumer_database must not be postgres, template0 or template1 (reserved)."
  }

  validation {
    condition     = length(distinct([for name, d in var.datashares : coalesce(d.consumer_database, "${name}_db")])) == length(var.datashares)
    error_message = "datashares: two datashares use the same consumer_database."
  }
}

variable "nlb" {
  description = <<-EOT
    The internal Network Load Balancer in front of the consumers (all fields optional):
    port (5439), health_check_interval (10 s, 5-300), health_check_timeout (5 s, 2-120,
    <= interval), healthy_threshold / unhealthy_threshold (2, 2-10), deregistration_delay
    (30 s, 0-3600), cross_zone (true), allowed_cidrs / allowed_security_group_ids (extra
    clients), register_targets_with_terraform (true; false = rsfleet owns target
    membership). TCP listener only: clients use sslmode=require or verify-ca.
  EOT
  type = object({
    port                            = optional(number, 5439)
    health_check_interval           = optional(number, 10)
    health_check_timeout            = optional(number, 5)
    healthy_threshold               = optional(number, 2)
    unhealthy_threshold             = optional(number, 2)
    deregistration_delay            = optional(number, 30)
    cross_zone                      = optional(bool, true)
    allowed_cidrs                   = optional(list(string), [])
    allowed_security_group_ids      = optional(list(string), [])
    register_targets_with_terraform = optional(bool, true)
  })
  default = {}

  validation {
    condition     = var.nlb.port >= 1 && var.nlb.port <= 65535 && floor(var.nlb.port) == var.nlb.port
    error_message = "nlb.port must be a whole number from 1 to 65535."
  }

  # Ranges: ELB "Health checks for Network Load Balancer target groups"
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
  validation {
    condition     = var.nlb.health_check_interval >= 5 && var.nlb.health_check_interval <= 300 && floor(var.nlb.health_check_interval) == var.nlb.health_check_interval
    error_message = "nlb.health_check_interval must be a whole number of seconds from 5 to 300."
  }

  validation {
    condition     = var.nlb.health_check_timeout >= 2 && var.nlb.health_check_timeout <= 120 && floor(var.nlb.health_check_timeout) == var.nlb.health_check_timeout
    error_message = "nlb.health_check_timeout must be a whole number of seconds from 2 to 120."
  }

  # Timeout strictly below the interval: ELB's rule for target group health checks (a
  # timeout equal to the interval is refused; prod had 5/5). Not confirmed against a real
  # account yet: terraform/README.md, "Verified only on paper".
  validation {
    condition     = var.nlb.health_check_timeout < var.nlb.health_check_interval
    error_message = "nlb.health_check_timeout must be less than health_check_interval (e.g. interval 10, timeout 5)."
  }

  validation {
    condition = (
      var.nlb.healthy_threshold >= 2 && var.nlb.healthy_threshold <= 10 &&
      var.nlb.unhealthy_threshold >= 2 && var.nlb.unhealthy_threshold <= 10 &&
      floor(var.nlb.healthy_threshold) == var.nlb.healthy_threshold &&
      floor(var.nlb.unhealthy_threshold) == var.nlb.unhealthy_threshold
    )
    error_message = "nlb.healthy_threshold and nlb.unhealthy_threshold must be whole numbers from 2 to 10."
  }

  # Deregistration delay: 0-3600 s, ELB "Target groups for your Network Load Balancers"
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#deregistration-delay
  validation {
    condition     = var.nlb.deregistration_delay >= 0 && var.nlb.deregistration_delay <= 3600 && floor(var.nlb.deregistration_delay) == var.nlb.deregistration_delay
    error_message = "nlb.deregistration_delay must be a whole number of seconds from 0 to 3600."
  }

  validation {
    condition = alltrue([for c in var.nlb.allowed_cidrs : (
      can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", c)) && try(cidrsubnet(c, 0, 0) == c, false)
    )])
    error_message = "nlb.allowed_cidrs must be valid IPv4 networks in CIDR notation with no host bits set (e.g. \"10.0.0.0/8\")."
  }

  validation {
    condition     = alltrue([for sg in var.nlb.allowed_security_group_ids : can(regex("^sg-[0-9a-zA-Z]+$", sg))])
    error_message = "nlb.allowed_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged over Project/Environment/ManagedBy)."
  type        = map(string)
  default     = {}

  # AWS tag rules (https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html):
  # at most 50 per resource, counting the ones rsfleet sets (Project, Environment,
  # ManagedBy, Name, Tier); keys 1-128, values at most 256 characters; aws: is reserved.
  validation {
    condition     = length(setunion(keys(var.tags), ["Project", "Environment", "ManagedBy", "Name", "Tier"])) <= 50
    error_message = "tags: at most 50 per resource with the 5 rsfleet sets (Project, Environment, ManagedBy, Name, Tier)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256])
    error_message = "tags: keys must be 1-128 characters and values at most 256."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : !startswith(lower(k), "aws:") && !startswith(lower(v), "aws:")])
    error_message = "tags: the aws: prefix is reserved for AWS (keys and values)."
  }
}

# Not part of the fleet spec (docs/CONTRACTS.md §1): the VPC endpoint set. The created VPC
# has no NAT: the test instance (SSM, rsfleet artifact from S3) and the controller reach AWS
# APIs only through these endpoints. Interface endpoints cost per hour per AZ and per GB
# (`rsfleet cost --env` shows them).
variable "vpc_endpoints" {
  description = "VPC endpoints: enabled (null = only when create_vpc), interface services (default ssm, ssmmessages, ec2messages, elasticloadbalancing, redshift-serverless, secretsmanager), gateway services (s3, dynamodb), subnet_keys (AZ keys a/b/c that get an endpoint ENI), existing_route_table_ids (gateway endpoints in an existing VPC), existing (services the existing VPC already has an endpoint for: not created, relied on)."
  type = object({
    enabled                  = optional(bool)
    interface                = optional(list(string), ["ssm", "ssmmessages", "ec2messages", "elasticloadbalancing", "redshift-serverless", "secretsmanager"])
    gateway                  = optional(list(string), ["s3", "dynamodb"])
    subnet_keys              = optional(list(string), ["a", "b", "c"])
    existing_route_table_ids = optional(list(string), [])
    # Per-service switch for an existing VPC that already has endpoints: a second S3/DynamoDB
    # gateway endpoint on the same route tables fails with RouteAlreadyExists, a second
    # interface endpoint with private DNS for the same service conflicts with the first
    # ("private DNS ... conflicting domain"). Services listed here are not created; the
    # controller reaches them through the VPC's own endpoints (HTTPS to the VPC CIDR, or
    # DynamoDB's prefix list). terraform/README.md "An existing VPC".
    existing = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = length(var.vpc_endpoints.existing) == 0 || !var.create_vpc
    error_message = "vpc_endpoints.existing names endpoints an existing VPC already has; a created VPC has none (create_vpc = true)."
  }

  validation {
    condition     = alltrue([for s in var.vpc_endpoints.existing : can(regex("^[a-z0-9][a-z0-9.-]{1,62}$", s))])
    error_message = "vpc_endpoints.existing must be service names such as \"dynamodb\" or \"ssm\" (the part after com.amazonaws.<region>.)."
  }

  validation {
    condition     = alltrue([for s in var.vpc_endpoints.gateway : contains(["s3", "dynamodb"], s)])
    error_message = "vpc_endpoints.gateway may only hold \"s3\" and \"dynamodb\"."
  }

  validation {
    condition     = alltrue([for s in var.vpc_endpoints.interface : can(regex("^[a-z0-9][a-z0-9.-]{1,62}$", s))]) && length(distinct(var.vpc_endpoints.interface)) == length(var.vpc_endpoints.interface)
    error_message = "vpc_endpoints.interface must be distinct service names such as \"ssm\" (the part after com.amazonaws.<region>.)."
  }

  validation {
    condition     = length(var.vpc_endpoints.subnet_keys) >= 1 && alltrue([for k in var.vpc_endpoints.subnet_keys : contains(["a", "b", "c"], k)]) && length(distinct(var.vpc_endpoints.subnet_keys)) == length(var.vpc_endpoints.subnet_keys)
    error_message = "vpc_endpoints.subnet_keys must be distinct keys among \"a\", \"b\", \"c\" (at least one)."
  }

  validation {
    condition     = alltrue([for r in var.vpc_endpoints.existing_route_table_ids : can(regex("^rtb-[0-9a-f]+$", r))])
    error_message = "vpc_endpoints.existing_route_table_ids must be route table IDs (rtb-...)."
  }
}

# Not part of the fleet spec (docs/CONTRACTS.md §1): the test instance, installed from the
# artifact (variable artifact_path, below).
variable "test_instance" {
  description = "The SSM-managed test instance in subnet a, with rsfleet installed from the artifact (`rsfleet loadtest --via-test-instance`): enabled (null = when artifact_path is set), instance_type."
  type = object({
    enabled       = optional(bool)
    instance_type = optional(string, "t3.small")
  })
  default = {}

  validation {
    condition     = var.test_instance.enabled != true || var.artifact_path != null
    error_message = "test_instance.enabled needs artifact_path (run `make artifact`): the instance installs rsfleet from it, with no internet."
  }
}

# Not part of the fleet spec (docs/CONTRACTS.md §1): monitoring knobs with safe defaults.
# Leave it out of environments/*/terraform.tfvars (rsfleet's spec model forbids extra keys)
# unless the contract is extended; override with -var or a *.auto.tfvars file instead.
variable "monitoring" {
  description = "Monitoring settings (not in the fleet spec): alarm e-mail addresses, monthly budget in USD (0 = no budget), log retention days."
  type = object({
    alarm_email_addresses = optional(list(string), [])
    monthly_budget_usd    = optional(number, 1000)
    log_retention_days    = optional(number, 365)
  })
  default = {}

  validation {
    condition     = var.monitoring.monthly_budget_usd >= 0
    error_message = "monitoring.monthly_budget_usd must be >= 0 (0 disables the budget)."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.monitoring.log_retention_days)
    error_message = "monitoring.log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }

  validation {
    condition     = alltrue([for e in var.monitoring.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "monitoring.alarm_email_addresses must be e-mail addresses."
  }
}

# The readiness controller as a Lambda singleton (terraform/modules/controller; fleet spec
# key `controller`, docs/targets.md). Needs the artifact (`make artifact`).
variable "controller" {
  description = "Readiness controller on AWS: enabled, interval_seconds between passes (1-60), data_check_seconds between billed data checks per consumer (0 = every pass), data_retry_seconds after a failed one, probe_secret_arn (your reader secret on every consumer; null = the controller module creates one and `rsfleet share apply` fills it and creates the login), rise/fall, probe_secret_kms_key_arn (the customer managed KMS key of your probe_secret_arn, granted kms:Decrypt; null = the AWS managed key)."
  type = object({
    enabled            = optional(bool, false)
    interval_seconds   = optional(number, 5)
    data_check_seconds = optional(number, 3600)
    data_retry_seconds = optional(number, 300)
    probe_secret_arn   = optional(string)
    rise               = optional(number, 2)
    fall               = optional(number, 2)
    # the customer managed KMS key of your probe_secret_arn, or null (AWS managed key)
    probe_secret_kms_key_arn = optional(string)
  })
  default = {}

  validation {
    condition     = var.controller.interval_seconds >= 1 && var.controller.interval_seconds <= 60
    error_message = "controller.interval_seconds must be 1-60."
  }

  validation {
    condition     = var.controller.data_check_seconds >= 0 && var.controller.data_check_seconds <= 86400 && var.controller.data_retry_seconds >= 0 && var.controller.data_retry_seconds <= 86400
    error_message = "controller.data_check_seconds and controller.data_retry_seconds must be 0-86400."
  }

  validation {
    condition     = var.controller.rise >= 1 && var.controller.rise <= 10 && var.controller.fall >= 1 && var.controller.fall <= 10 && floor(var.controller.rise) == var.controller.rise && floor(var.controller.fall) == var.controller.fall
    error_message = "controller.rise and controller.fall must be whole numbers from 1 to 10."
  }

  validation {
    condition     = var.controller.probe_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+", var.controller.probe_secret_arn))
    error_message = "controller.probe_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)."
  }

  # A key ARN, not an alias: kms:Decrypt in an IAM policy is granted on the key (= spec).
  validation {
    condition     = var.controller.probe_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.controller.probe_secret_kms_key_arn))
    error_message = "controller.probe_secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)."
  }

  validation {
    condition     = var.controller.probe_secret_kms_key_arn == null || var.controller.probe_secret_arn != null
    error_message = "controller.probe_secret_kms_key_arn without controller.probe_secret_arn: the key is for your own probe secret (the one rsfleet creates uses the controller's key); set probe_secret_arn or remove the key."
  }

  # The created VPC has no NAT: the controller reaches the AWS APIs only through endpoints.
  validation {
    condition     = !var.controller.enabled || !var.create_vpc || (coalesce(var.vpc_endpoints.enabled, true) && contains(var.vpc_endpoints.gateway, "dynamodb") && length(setsubtract(["elasticloadbalancing", "redshift-serverless", "secretsmanager"], var.vpc_endpoints.interface)) == 0)
    error_message = "controller.enabled in the created VPC (no NAT) needs vpc_endpoints enabled with the dynamodb gateway endpoint and the elasticloadbalancing, redshift-serverless and secretsmanager (the probe secret) interface endpoints."
  }

  # The controller owns target membership: the provider drops an attachment the controller
  # deregistered from state, and the next apply would register the drained consumer again.
  # (src/rsfleet/spec/models.py, same rule)
  validation {
    condition     = !var.controller.enabled || !var.nlb.register_targets_with_terraform
    error_message = "controller.enabled with nlb.register_targets_with_terraform = true: Terraform would re-register the consumers the controller drains; set nlb.register_targets_with_terraform = false."
  }

  validation {
    condition     = !var.controller.enabled || var.artifact_path != null
    error_message = "controller.enabled needs artifact_path: run `make artifact` and pass -var artifact_path=dist/rsfleet-lambda.zip (`rsfleet apply` does)."
  }
}

variable "rotation" {
  description = "Elastic rotation (docs/targets.md): only as many consumers in rotation as the load needs, the others parked (deregistered, kept warm). enabled (false; needs nlb.register_targets_with_terraform = false), min_in_rotation (1, >= 1), max_in_rotation (null = every consumer behind the NLB; >= min), target_sessions_per_consumer (50, 1-10000), scale_in_after_seconds (600, 0-86400). Read by rsfleet's controller, not by Terraform's resources."
  type = object({
    enabled                      = optional(bool, false)
    min_in_rotation              = optional(number, 1)
    max_in_rotation              = optional(number)
    target_sessions_per_consumer = optional(number, 50)
    scale_in_after_seconds       = optional(number, 600)
  })
  default = {}

  validation {
    condition     = var.rotation.min_in_rotation >= 1 && floor(var.rotation.min_in_rotation) == var.rotation.min_in_rotation
    error_message = "rotation.min_in_rotation must be a whole number >= 1."
  }

  validation {
    condition     = var.rotation.max_in_rotation == null || (coalesce(var.rotation.max_in_rotation, 1) >= var.rotation.min_in_rotation && floor(coalesce(var.rotation.max_in_rotation, 1)) == coalesce(var.rotation.max_in_rotation, 1))
    error_message = "rotation.max_in_rotation must be null or a whole number >= min_in_rotation."
  }

  validation {
    condition = alltrue([for v in [var.rotation.min_in_rotation, coalesce(var.rotation.max_in_rotation, 1)] :
    v <= max(1, length([for n, c in var.consumers : n if c.behind_nlb]))])
    error_message = "rotation.min_in_rotation and rotation.max_in_rotation must be at most the number of consumers with behind_nlb = true."
  }

  # A guard against typos, not an AWS limit (= src/rsfleet/spec/models.py).
  validation {
    condition     = var.rotation.target_sessions_per_consumer >= 1 && var.rotation.target_sessions_per_consumer <= 10000 && floor(var.rotation.target_sessions_per_consumer) == var.rotation.target_sessions_per_consumer
    error_message = "rotation.target_sessions_per_consumer must be a whole number from 1 to 10000."
  }

  validation {
    condition     = var.rotation.scale_in_after_seconds >= 0 && var.rotation.scale_in_after_seconds <= 86400 && floor(var.rotation.scale_in_after_seconds) == var.rotation.scale_in_after_seconds
    error_message = "rotation.scale_in_after_seconds must be a whole number of seconds from 0 to 86400."
  }

  # Terraform owns the target attachments otherwise: every apply would register the parked
  # consumers again (modules/nlb).
  validation {
    condition     = !var.rotation.enabled || !var.nlb.register_targets_with_terraform
    error_message = "rotation.enabled = true needs nlb.register_targets_with_terraform = false (Terraform would put parked consumers back on every apply): set it to false, rsfleet then owns target membership."
  }
}

# Not part of the fleet spec: where `make artifact` wrote the zip (dist/rsfleet-lambda.zip).
variable "artifact_path" {
  description = "Path of the rsfleet artifact zip (`make artifact`): the controller Lambda's code, installed on the test instance too; null when neither is built."
  type        = string
  default     = null

  validation {
    condition     = var.artifact_path == null || endswith(coalesce(var.artifact_path, "x.zip"), ".zip")
    error_message = "artifact_path must be the .zip that `make artifact` writes (dist/rsfleet-lambda.zip)."
  }
}
