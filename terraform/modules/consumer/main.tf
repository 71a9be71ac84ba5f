# One consumer: its own namespace + workgroup (a workgroup belongs to exactly one namespace,
# so N consumers = N namespaces) and one Redshift-managed VPC endpoint per AZ.
#
# A managed endpoint lives in the subnets it is given; one endpoint per AZ subnet gives one
# ENI (one private IP) per AZ, which become the NLB targets of this consumer.
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-connecting.html
# https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateEndpointAccess.html

module "workgroup" {
  source = "../serverless-workgroup"

  name                     = var.name
  database_name            = var.database_name
  admin_username           = var.admin_username
  kms_key_arn              = var.kms_key_arn
  base_capacity            = var.base_capacity
  max_capacity             = var.max_capacity
  subnet_ids               = [for k in var.az_keys : var.subnet_ids_by_az[k]]
  security_group_ids       = var.security_group_ids
  port                     = var.port
  max_query_execution_time = var.query_timeout_seconds
  usage_limit              = var.usage_limit
  log_retention_days       = var.log_retention_days
  tags                     = var.tags
}

locals {
  # Endpoint names: 1-30 characters, letters/digits/hyphens, start with a letter, no two
  # consecutive hyphens, no trailing hyphen (CreateEndpointAccess, endpointName). Use
  # <workgroup>-<az> when it fits, else a short name with a hash of the workgroup name.
  readable_endpoint_names = { for k in var.az_keys : k => "${var.name}-${k}" }
  short_prefix            = trimsuffix(substr(replace(var.consumer_name, "/-+/", "-"), 0, 10), "-")
  endpoint_names = {
    for k, n in local.readable_endpoint_names : k => (
      length(n) <= 30 && !strcontains(n, "--") ? n : "${local.short_prefix}-${substr(sha1(var.name), 0, 8)}-${k}"
    )
  }
}

resource "aws_redshiftserverless_endpoint_access" "this" {
  for_each = toset(var.az_keys)

  endpoint_name          = local.endpoint_names[each.key]
  workgroup_name         = module.workgroup.workgroup_name
  subnet_ids             = [var.subnet_ids_by_az[each.key]]
  vpc_security_group_ids = var.security_group_ids
}
