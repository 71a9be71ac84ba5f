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
    # The fleet's cost allocation tag (the budget filters on it); not overridable.
    { Fleet = "${var.project_name}-${var.environment}" },
  )

  az_keys = ["a", "b", "c"]

  nlb_consumers = sort([for name, c in var.consumers : name if c.behind_nlb])

  # Static keys "<consumer>-<az>" (known at plan time); the IPs are known only after apply.
  nlb_targets = {
    for pair in setproduct(local.nlb_consumers, local.az_keys) :
    "${pair[0]}-${pair[1]}" => module.consumer[pair[0]].endpoint_ips[pair[1]]
  }

  redshift_port = 5439

  vpc_endpoints_enabled = coalesce(var.vpc_endpoints.enabled, var.create_vpc)
  # vpc_endpoints.existing: the VPC has these already (per-service switch, variables.tf).
  vpc_existing_endpoints  = local.vpc_endpoints_enabled ? var.vpc_endpoints.existing : []
  vpc_interface_endpoints = local.vpc_endpoints_enabled ? [for s in var.vpc_endpoints.interface : s if !contains(var.vpc_endpoints.existing, s)] : []
  vpc_gateway_endpoints   = local.vpc_endpoints_enabled ? [for s in var.vpc_endpoints.gateway : s if !contains(var.vpc_endpoints.existing, s)] : []

  # Free IPs a workgroup needs in each of its subnets, by base capacity, with enhanced VPC
  # routing (on here): AWS table "Free IP addresses required" in "Considerations when using
  # Amazon Redshift Serverless"
  # https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html
  # A base between two rows takes the larger row (24 RPU -> the 32 RPU row).
  free_ip_table = [
    { rpu = 4, ips = 9 }, { rpu = 8, ips = 9 }, { rpu = 16, ips = 13 }, { rpu = 32, ips = 13 },
    { rpu = 64, ips = 21 }, { rpu = 128, ips = 37 }, { rpu = 256, ips = 69 },
    { rpu = 512, ips = 133 }, { rpu = 1024, ips = 261 },
  ]
  workgroup_bases = concat([var.producer.base_capacity], [for c in values(var.consumers) : c.base_capacity])
  workgroup_ips   = [for b in local.workgroup_bases : min([for row in local.free_ip_table : row.ips if row.rpu >= b]...)]
  # Plus, per subnet: one managed endpoint IP per consumer (one endpoint per AZ), the NLB's
  # node, one IP per interface VPC endpoint, and 2 spare (test instance, controller).
  free_ips_needed = {
    total   = sum(local.workgroup_ips) + length(var.consumers) + 1 + length(local.vpc_interface_endpoints) + 2
    largest = max(local.workgroup_ips...)
  }
}

module "networking" {
  source = "./modules/networking"

  name                       = local.name
  create_vpc                 = var.create_vpc
  vpc_cidr                   = var.vpc_cidr
  existing_vpc_id            = var.existing_vpc_id
  existing_subnet_ids        = var.existing_subnet_ids
  availability_zone_ids      = var.availability_zone_ids
  free_ips_needed            = local.free_ips_needed
  interface_endpoints        = local.vpc_interface_endpoints
  gateway_endpoints          = local.vpc_gateway_endpoints
  endpoint_subnet_keys       = var.vpc_endpoints.subnet_keys
  existing_route_table_ids   = var.vpc_endpoints.existing_route_table_ids
  port                       = local.redshift_port
  nlb_listener_ports         = [var.nlb.port]
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
  log_retention_days = var.monitoring.log_retention_days
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
  log_retention_days    = var.monitoring.log_retention_days
  admin_username        = var.producer.admin_username
  kms_key_arn           = module.producer.kms_key_arn
  subnet_ids_by_az      = module.networking.subnet_ids_by_az
  az_keys               = local.az_keys
  security_group_ids    = [module.networking.security_group_ids.consumer]
  port                  = local.redshift_port
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
  cost_allocation_tag     = { key = "Fleet", value = local.name }
  monthly_budget_usd      = var.monitoring.monthly_budget_usd
  controller = var.controller.enabled ? {
    function_name = module.controller[0].function_name
    dlq_name      = module.controller[0].dlq_name
    fleet         = module.controller[0].fleet
  } : null
}

module "datashare_sql" {
  source = "./modules/datashare-sql"

  datashares             = var.datashares
  consumer_namespace_ids = { for name, c in module.consumer : name => c.namespace_id }
  producer_namespace_id  = module.producer.namespace_id
}

locals {
  # The APIs the controller calls (src/rsfleet/controller/handler.py). When the fleet's VPC
  # endpoints do not cover them all (an existing VPC has none by default), the function
  # reaches them through the VPC's NAT: HTTPS out to anywhere, like the test instance.
  # The probe secret is read from Secrets Manager: the spec's, or the one the module creates.
  controller_interface_services = ["elasticloadbalancing", "redshift-serverless", "secretsmanager"]
  # DynamoDB through a gateway endpoint: one created here (only on route tables: an existing
  # VPC needs existing_route_table_ids) or the VPC's own (vpc_endpoints.existing).
  controller_dynamodb_gateway = contains(module.networking.gateway_services, "dynamodb") || contains(local.vpc_existing_endpoints, "dynamodb")
  controller_existing_apis    = length(setintersection(local.controller_interface_services, local.vpc_existing_endpoints)) > 0
  controller_via_endpoints    = local.controller_dynamodb_gateway && length(setsubtract(local.controller_interface_services, concat(local.vpc_interface_endpoints, local.vpc_existing_endpoints))) == 0
}

module "controller" {
  source = "./modules/controller"
  count  = var.controller.enabled ? 1 : 0

  name                       = local.name
  fleet                      = "${var.project_name}/${var.environment}"
  artifact_path              = var.artifact_path
  vpc_id                     = module.networking.vpc_id
  subnet_ids                 = module.networking.subnet_ids
  consumer_security_group_id = module.networking.security_group_ids.consumer
  endpoint_security_group_id = module.networking.endpoint_security_group_id
  # The AWS-managed list (never null): the endpoint's own output is absent when no gateway
  # endpoint was created, e.g. an existing VPC without existing_route_table_ids.
  dynamodb_prefix_list_id = module.networking.dynamodb_prefix_list_id
  vpc_endpoint_egress = {
    interface = length(local.vpc_interface_endpoints) > 0
    dynamodb  = local.controller_dynamodb_gateway
  }
  # Through the NAT when the endpoints do not cover every API; the VPC's own interface
  # endpoints (vpc_endpoints.existing) are reached on the VPC CIDR (their security group is
  # not ours to name).
  https_egress_cidrs      = local.controller_via_endpoints ? (local.controller_existing_apis ? [module.networking.vpc_cidr_block] : []) : ["0.0.0.0/0"]
  target_group_arn        = module.nlb.target_group_arn
  consumer_workgroup_arns = [for name in local.nlb_consumers : module.consumer[name].workgroup_arn]
  probe_secret_arn        = var.controller.probe_secret_arn
  # Your secret under a customer managed key: the function gets kms:Decrypt on it.
  probe_secret_kms_key_arn = var.controller.probe_secret_kms_key_arn
  # No probe secret in the spec: the module creates an empty one and `rsfleet share apply`
  # fills it and creates the login on every consumer (docs/targets.md "The probe login").
  create_probe_secret = var.controller.probe_secret_arn == null
  # What the handler validates as a FleetSpec (src/rsfleet/controller/config.py).
  spec_json = jsonencode({
    project_name = var.project_name
    environment  = var.environment
    aws_region   = var.aws_region
    producer     = { base_capacity = var.producer.base_capacity }
    consumers    = { for n, c in var.consumers : n => { base_capacity = c.base_capacity, behind_nlb = c.behind_nlb } }
    datashares   = { for n, d in var.datashares : n => { schemas = d.schemas, tables = d.tables, consumers = d.consumers, consumer_database = d.consumer_database } }
    nlb          = { port = var.nlb.port, deregistration_delay = var.nlb.deregistration_delay, register_targets_with_terraform = var.nlb.register_targets_with_terraform }
    rotation     = var.rotation
  })
  settings = {
    interval_seconds   = var.controller.interval_seconds
    data_check_seconds = var.controller.data_check_seconds
    data_retry_seconds = var.controller.data_retry_seconds
    rise               = var.controller.rise
    fall               = var.controller.fall
  }
  log_retention_days = var.monitoring.log_retention_days
  # As the NLB's: on in prod only (`rsfleet destroy` turns both off before Terraform runs).
  deletion_protection = var.environment == "prod"
}

# --- rsfleet artifact and the test instance installed from it ------------------------------

module "artifacts" {
  source = "./modules/artifacts"
  count  = var.artifact_path == null ? 0 : 1

  name          = local.name
  artifact_path = var.artifact_path
  kms_key_arn   = module.producer.kms_key_arn
}

locals {
  test_instance_enabled = coalesce(var.test_instance.enabled, var.artifact_path != null)
  artifact = var.artifact_path == null ? null : {
    bucket = module.artifacts[0].bucket
    key    = module.artifacts[0].key
    sha256 = module.artifacts[0].sha256
  }
}

module "test_instance" {
  source = "./modules/test-instance"
  count  = local.test_instance_enabled ? 1 : 0

  # rsfleet finds it by this Name tag too (rsfleet.adapters.ec2.name_tag_of_test_instance).
  name                     = "${local.name}-test"
  aws_region               = var.aws_region
  subnet_id                = module.networking.subnet_ids_by_az["a"]
  client_security_group_id = module.networking.security_group_ids.client
  artifact                 = local.artifact
  readable_secret_arns     = concat([module.producer.admin_secret_arn], [for c in module.consumer : c.admin_secret_arn])
  kms_key_arn              = module.producer.kms_key_arn
  instance_type            = var.test_instance.instance_type
  # `loadtest --drain` on the instance: the shared drain state and the fleet's targets.
  drain_access = {
    target_group_arn  = module.nlb.target_group_arn
    state_table_arn   = var.controller.enabled ? module.controller[0].state_table_arn : null
    state_kms_key_arn = var.controller.enabled ? module.controller[0].kms_key_arn : null
  }

  # SSM registration and the artifact download need the endpoints in place first. Passed as
  # IDs, not `depends_on = [module.networking]`: that deferred every data source of the
  # module to apply time whenever networking had a change, and the plan then replaced the
  # instance's security group and role attachments (seen on the emulator, make test-aws).
  boot_dependency_ids = module.networking.endpoint_dependency_ids
}
