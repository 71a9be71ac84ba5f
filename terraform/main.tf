# rsfleet: a read-scaling fleet for Amazon Redshift Serverless.
#
#   clients -> internal NLB :port -> consumer endpoints (one per consumer x AZ)
#   producer --datashare--> consumers (zero-copy; SQL in output data_sharing_commands,
#                                      applied by `rsfleet share apply`)
#
# Naming (docs/CONTRACTS.md §2): <project>-<env>-producer, <project>-<env>-<consumer>.

locals {
  name = "${var.project_name}-${var.environment}"

  tags = merge(
    {
      Project     = var.project_name
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )

  az_keys = ["a", "b", "c"]

  nlb_consumers = sort([for name, c in var.consumers : name if c.behind_nlb])

  # Static keys "<consumer>-<az>" (known at plan time); the IPs are known only after apply.
  nlb_targets = {
    for pair in setproduct(local.nlb_consumers, local.az_keys) :
    "${pair[0]}-${pair[1]}" => module.consumer[pair[0]].endpoint_ips[pair[1]]
  }

  redshift_port = 5439
}

module "networking" {
  source = "./modules/networking"

  name                       = local.name
  create_vpc                 = var.create_vpc
  vpc_cidr                   = var.vpc_cidr
  existing_vpc_id            = var.existing_vpc_id
  existing_subnet_ids        = var.existing_subnet_ids
  port                       = local.redshift_port
  nlb_listener_ports         = var.nlb.tls_certificate_arn == null ? [var.nlb.port] : distinct([var.nlb.port, local.nlb_tls_port])
  allowed_cidrs              = var.nlb.allowed_cidrs
  allowed_security_group_ids = var.nlb.allowed_security_group_ids
  flow_log_retention_days    = var.monitoring.log_retention_days
}

module "producer" {
  source = "./modules/producer"

  name               = "${local.name}-producer"
  base_capacity      = var.producer.base_capacity
  max_capacity       = var.producer.max_capacity
  database_name      = var.producer.database_name
  admin_username     = var.producer.admin_username
  usage_limit        = var.producer.usage_limit
  subnet_ids         = module.networking.subnet_ids
  security_group_ids = [module.networking.security_group_ids.producer]
  port               = local.redshift_port
}

module "consumer" {
  source   = "./modules/consumer"
  for_each = var.consumers

  name                  = "${local.name}-${each.key}"
  consumer_name         = each.key
  base_capacity         = each.value.base_capacity
  max_capacity          = each.value.max_capacity
  query_timeout_seconds = each.value.query_timeout_seconds
  usage_limit           = each.value.usage_limit
  admin_username        = var.producer.admin_username
  kms_key_arn           = module.producer.kms_key_arn
  subnet_ids_by_az      = module.networking.subnet_ids_by_az
  az_keys               = local.az_keys
  security_group_ids    = [module.networking.security_group_ids.consumer]
  port                  = local.redshift_port
}

locals {
  # The optional TLS listener needs its own port (the TCP listener holds nlb.port).
  nlb_tls_port = var.nlb.port == 5440 ? 5441 : 5440
}

module "nlb" {
  source = "./modules/nlb"

  name                            = local.name
  vpc_id                          = module.networking.vpc_id
  subnet_ids                      = module.networking.subnet_ids
  security_group_ids              = [module.networking.security_group_ids.nlb]
  port                            = var.nlb.port
  target_port                     = local.redshift_port
  health_check_interval           = var.nlb.health_check_interval
  health_check_timeout            = var.nlb.health_check_timeout
  healthy_threshold               = var.nlb.healthy_threshold
  unhealthy_threshold             = var.nlb.unhealthy_threshold
  deregistration_delay            = var.nlb.deregistration_delay
  cross_zone                      = var.nlb.cross_zone
  targets                         = local.nlb_targets
  register_targets_with_terraform = var.nlb.register_targets_with_terraform
  tls_certificate_arn             = var.nlb.tls_certificate_arn
  tls_port                        = local.nlb_tls_port
  deletion_protection             = var.environment == "prod"
}

module "monitoring" {
  source = "./modules/monitoring"

  name = local.name
  workgroups = merge(
    {
      producer = {
        name         = module.producer.workgroup_name
        max_capacity = coalesce(var.producer.max_capacity, var.producer.base_capacity)
      }
    },
    {
      for name, c in var.consumers : name => {
        name         = module.consumer[name].workgroup_name
        max_capacity = coalesce(c.max_capacity, c.base_capacity)
      }
    },
  )
  nlb_arn_suffix          = module.nlb.arn_suffix
  target_group_arn_suffix = module.nlb.target_group_arn_suffix
  alarm_email_addresses   = var.monitoring.alarm_email_addresses
  monthly_budget_usd      = var.monitoring.monthly_budget_usd
}

module "datashare_sql" {
  source = "./modules/datashare-sql"

  datashares             = var.datashares
  consumer_namespace_ids = { for name, c in module.consumer : name => c.namespace_id }
  producer_namespace_id  = module.producer.namespace_id
}
