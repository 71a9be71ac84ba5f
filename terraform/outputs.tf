# Outputs read by rsfleet (`terraform output -json`, docs/CONTRACTS.md §3). ARNs only, never
# secret values: the admin passwords live in Secrets Manager.

output "aws_region" {
  description = "AWS region of the fleet."
  value       = var.aws_region
}

output "producer" {
  description = "The producer: workgroup_name, namespace_name, namespace_id, database_name, endpoint_address, port, admin_secret_arn."
  value = {
    workgroup_name   = module.producer.workgroup_name
    namespace_name   = module.producer.namespace_name
    namespace_id     = module.producer.namespace_id
    database_name    = module.producer.database_name
    endpoint_address = module.producer.endpoint_address
    port             = module.producer.port
    admin_secret_arn = module.producer.admin_secret_arn
  }
}

output "consumers" {
  description = "Consumers by name: workgroup_name, namespace_name, namespace_id, endpoint_address, port, endpoint_ips (AZ key -> private IP), behind_nlb, admin_secret_arn."
  value = {
    for name, c in module.consumer : name => {
      workgroup_name   = c.workgroup_name
      namespace_name   = c.namespace_name
      namespace_id     = c.namespace_id
      endpoint_address = c.endpoint_address
      port             = c.port
      endpoint_ips     = c.endpoint_ips
      behind_nlb       = var.consumers[name].behind_nlb
      admin_secret_arn = c.admin_secret_arn
    }
  }
}

output "nlb" {
  description = "The internal NLB: dns_name, arn, target_group_arn, port (TCP; clients use sslmode=require or verify-ca)."
  value = {
    dns_name         = module.nlb.dns_name
    arn              = module.nlb.arn
    target_group_arn = module.nlb.target_group_arn
    port             = module.nlb.port
  }
}

output "data_sharing_commands" {
  description = "SQL that sets up the datashares on a fresh fleet (docs/CONTRACTS.md §4); `rsfleet share apply` runs it idempotently."
  value       = module.datashare_sql.sql
}

output "nlb_targets" {
  description = "NLB targets by static key <consumer>-<az> => private IP (registered by Terraform only when nlb.register_targets_with_terraform)."
  value       = local.nlb_targets
}

output "network" {
  description = "VPC, subnets and zone IDs per AZ key, security groups (security_groups.client for clients such as the test instance), route tables, the VPC endpoints (endpoint_security_group_id: clients need egress 443 to it; gateway_prefix_list_ids for egress to S3/DynamoDB)."
  value = {
    vpc_id                     = module.networking.vpc_id
    subnet_ids_by_az           = module.networking.subnet_ids_by_az
    zone_ids_by_az             = module.networking.availability_zone_ids_by_key
    security_groups            = module.networking.security_group_ids
    route_table_ids            = module.networking.route_table_ids
    endpoint_security_group_id = module.networking.endpoint_security_group_id
    interface_endpoints        = sort(keys(module.networking.interface_endpoint_ids))
    gateway_prefix_list_ids    = module.networking.gateway_prefix_list_ids
    s3_prefix_list_id          = module.networking.s3_prefix_list_id
  }
}

output "kms_key_arn" {
  description = "Customer-managed KMS key of the namespaces and admin secrets."
  value       = module.producer.kms_key_arn
}

output "monitoring" {
  description = "Dashboard, alarm topic and budget names."
  value = {
    dashboard_name = module.monitoring.dashboard_name
    sns_topic_arn  = module.monitoring.sns_topic_arn
    budget_name    = module.monitoring.budget_name
  }
}

output "test_instance_inputs" {
  description = "Values for terraform/test-instance (subnet, client security group, secret ARNs, KMS key, artifact, drain_access for `loadtest --drain`)."
  value = {
    aws_region        = var.aws_region
    subnet_id         = module.networking.subnet_ids_by_az["a"]
    security_group_id = module.networking.security_group_ids.client
    secret_arns       = concat([module.producer.admin_secret_arn], [for c in module.consumer : c.admin_secret_arn])
    kms_key_arn       = module.producer.kms_key_arn
    artifact          = local.artifact
    drain_access = {
      target_group_arn  = module.nlb.target_group_arn
      state_table_arn   = var.controller.enabled ? module.controller[0].state_table_arn : null
      state_kms_key_arn = var.controller.enabled ? module.controller[0].kms_key_arn : null
    }
  }
}

output "controller" {
  description = "The readiness controller, or null when controller.enabled is false: function_name, state_table (the drain state the CLI shares), dlq_name, fleet (its key in the table)."
  value = var.controller.enabled ? {
    function_name = module.controller[0].function_name
    state_table   = module.controller[0].state_table
    dlq_name      = module.controller[0].dlq_name
    fleet         = module.controller[0].fleet
  } : null
}

output "test_instance_id" {
  description = "The fleet's test instance (null without one): `rsfleet loadtest --via-test-instance` uses it."
  value       = try(module.test_instance[0].instance_id, null)
}

output "artifact" {
  description = "The rsfleet artifact in the fleet's bucket: bucket, key (rsfleet-lambda/<sha256>.zip), sha256; null without artifact_path."
  value       = local.artifact
}

output "probe_secret_arn" {
  description = "The readiness probe's secret (JSON username/password): the spec's controller.probe_secret_arn, else the one the controller module created (its value and the login on every consumer come from `rsfleet --backend aws share apply`); null without the controller and without one in the spec."
  value       = var.controller.enabled ? module.controller[0].probe_secret_arn : var.controller.probe_secret_arn
}
