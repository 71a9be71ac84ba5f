# Networking for the fleet: a VPC (created or existing), three private /23 subnets in three
# AZs (keys "a", "b", "c"), security groups with least-privilege rules on the Redshift port,
# and VPC flow logs to a KMS-encrypted CloudWatch log group.
#
# Redshift Serverless needs subnets in at least three AZs for a workgroup with enhanced VPC
# routing, in supported Availability Zone IDs, and free IP addresses in each subnet (more
# RPUs, more IPs): "Considerations when using Amazon Redshift Serverless"
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html
# Zones are chosen by zone ID (availability_zone_ids): zone names map to different physical
# zones in each account, zone IDs do not.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  az_keys = ["a", "b", "c"]
  prefix  = try(tonumber(split("/", var.vpc_cidr)[1]), 16)

  # --- created VPC: three /23 subnets in the given zone IDs (or the first three by ID) -----
  created_zone_ids = var.create_vpc ? (
    length(var.availability_zone_ids) > 0 ? var.availability_zone_ids : slice(sort(data.aws_availability_zones.available[0].zone_ids), 0, 3)
  ) : []
  created_subnets = var.create_vpc ? {
    for i, k in local.az_keys : k => {
      cidr    = cidrsubnet(var.vpc_cidr, 23 - local.prefix, i)
      zone_id = local.created_zone_ids[i]
    }
  } : {}
  # A /23 holds 512 addresses; AWS reserves 5 in every subnet.
  # https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
  created_subnet_usable_ips = 507

  # --- existing VPC: first subnet (by ID) in each zone ID (given, or the first three) -----
  existing_zone_ids_all = sort(distinct([for s in data.aws_subnet.existing : s.availability_zone_id]))
  existing_zone_ids     = length(var.availability_zone_ids) > 0 ? [for z in var.availability_zone_ids : z if contains(local.existing_zone_ids_all, z)] : local.existing_zone_ids_all
  existing_by_zone = {
    for z in local.existing_zone_ids_all : z => sort([for s in data.aws_subnet.existing : s.id if s.availability_zone_id == z])[0]
  }
  existing_vpc_ids = distinct([for s in data.aws_subnet.existing : s.vpc_id])

  vpc_id = var.create_vpc ? aws_vpc.this[0].id : var.existing_vpc_id

  subnet_ids_by_az = var.create_vpc ? {
    for k in local.az_keys : k => aws_subnet.private[k].id
    } : {
    for i, k in local.az_keys : k => try(local.existing_by_zone[local.existing_zone_ids[i]], null)
  }
  zone_ids_by_key = var.create_vpc ? {
    for k in local.az_keys : k => local.created_subnets[k].zone_id
    } : {
    for i, k in local.az_keys : k => try(local.existing_zone_ids[i], null)
  }
  availability_zones_by_key = var.create_vpc ? {
    for k in local.az_keys : k => aws_subnet.private[k].availability_zone
    } : {
    for k in local.az_keys : k => try(data.aws_subnet.existing[local.subnet_ids_by_az[k]].availability_zone, null)
  }

  enough_azs_message = length(var.availability_zone_ids) > 0 ? "existing_subnet_ids cover ${length(local.existing_zone_ids)} of the availability_zone_ids ${join(", ", var.availability_zone_ids)} (subnets are in: ${join(", ", local.existing_zone_ids_all)}); every listed zone ID needs a subnet." : "existing_subnet_ids span ${length(local.existing_zone_ids_all)} Availability Zone ID(s) (${join(", ", local.existing_zone_ids_all)}); Redshift Serverless workgroups with enhanced VPC routing and the one-endpoint-per-AZ layout need subnets in at least 3 AZs. Add subnets in other AZs to existing_subnet_ids, or set create_vpc = true."

  # Free IPs per subnet (var.free_ips_needed, computed by the root from the AWS table).
  existing_free_ips = { for k, id in local.subnet_ids_by_az : k => try(data.aws_subnet.existing[id].available_ip_address_count, 0) if id != null }
  short_subnets     = [for k, n in local.existing_free_ips : "${local.subnet_ids_by_az[k]} (${n} free)" if n < var.free_ips_needed.largest]
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first three zone IDs (sorted) are used, once, to create the subnets; set availability_zone_ids (root variable) to pin zones Redshift Serverless supports.
  count = var.create_vpc && length(var.availability_zone_ids) == 0 ? 1 : 0
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  lifecycle {
    postcondition {
      condition     = length(self.zone_ids) >= 3
      error_message = "The region offers fewer than 3 Availability Zones; Redshift Serverless needs subnets in 3 AZs."
    }
  }
}

data "aws_subnet" "existing" {
  for_each = var.create_vpc ? toset([]) : toset(var.existing_subnet_ids)
  id       = each.value
}

# ---------------------------------------------------------------------------------------
# VPC (create_vpc = true)
# ---------------------------------------------------------------------------------------

resource "aws_vpc" "this" {
  count = var.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# Lock down the default security group: nothing uses it, nothing may pass through it.
resource "aws_default_security_group" "this" {
  count  = var.create_vpc ? 1 : 0
  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-default-unused" })
}

resource "aws_subnet" "private" {
  for_each = local.created_subnets

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = each.value.cidr
  availability_zone_id    = each.value.zone_id
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}", Tier = "private" })

  # A deleted Lambda's network interfaces (the controller's) stay until Lambda releases them,
  # which can take well over the 20 minute default; the provider's subnet delete waits for
  # them and deletes them (hashicorp/terraform-provider-aws#10329), given the time.
  timeouts {
    delete = "45m"
  }
}

resource "aws_route_table" "private" {
  for_each = local.created_subnets

  vpc_id = aws_vpc.this[0].id
  tags   = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route_table_association" "private" {
  for_each = local.created_subnets

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

# ---------------------------------------------------------------------------------------
# VPC endpoints (optional set). The created VPC has no NAT and no internet gateway, so
# everything inside it reaches AWS APIs through endpoints:
#   gateway   s3        COPY/UNLOAD (enhanced VPC routing), the test instance's rsfleet
#                       artifact; dynamodb: the controller's state table. Free of charge.
#   interface ssm, ssmmessages, ec2messages: the test instance registers with Systems
#             Manager and runs commands (no internet needed);
#             elasticloadbalancing, redshift-serverless, secretsmanager: rsfleet on the test
#             instance and the controller (targets, workgroup endpoints, credentials).
# Interface endpoints are billed per hour per AZ and per GB (`rsfleet cost --env`).
# https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
# https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
# ---------------------------------------------------------------------------------------

locals {
  # Gateway endpoints need route tables: ours in a created VPC, the given ones otherwise.
  route_table_ids     = var.create_vpc ? [for k in local.az_keys : aws_route_table.private[k].id] : var.existing_route_table_ids
  gateway_services    = length(local.route_table_ids) > 0 ? toset(var.gateway_endpoints) : toset([])
  endpoint_subnet_ids = [for k in var.endpoint_subnet_keys : local.subnet_ids_by_az[k]]
  vpc_cidr_block      = var.create_vpc ? var.vpc_cidr : try(data.aws_vpc.existing[0].cidr_block, var.vpc_cidr)
}

data "aws_vpc" "existing" {
  count = var.create_vpc ? 0 : 1
  id    = var.existing_vpc_id
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_services

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_table_ids

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_security_group" "endpoints" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  #checkov:skip=CKV2_AWS_5:Attached to the interface endpoints below.
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS from inside the VPC"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_vpc" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS to AWS APIs from the VPC (test instance, controller, rsfleet)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = local.vpc_cidr_block
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# ---------------------------------------------------------------------------------------
# Security groups. Rules are separate resources so the groups can reference each other.
#
#   clients --port--> NLB --port--> consumer endpoints   (traffic and NLB health checks)
#   clients --port--> consumers directly                 (rsfleet readiness probes, diagnose)
#   clients --port--> producer                           (ETL writers, rsfleet share apply via psql)
#
# Consumers never connect to the producer: data sharing runs inside Redshift's managed
# storage layer, not over the VPC network, so no consumer -> producer rule exists.
# https://docs.aws.amazon.com/redshift/latest/dg/datashare-overview.html
# ---------------------------------------------------------------------------------------

resource "aws_security_group" "producer" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (workgroups, endpoints, NLB, client instances) through the security_group_ids output.
  name        = "${var.name}-producer"
  description = "Redshift Serverless producer workgroup: Redshift port from clients only"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-producer" })

  lifecycle {
    precondition {
      condition     = var.create_vpc || length(local.existing_zone_ids) >= 3
      error_message = local.enough_azs_message
    }
  }
}

resource "aws_security_group" "consumer" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (workgroups, endpoints, NLB, client instances) through the security_group_ids output.
  name        = "${var.name}-consumer"
  description = "Redshift Serverless consumer workgroups and endpoints: Redshift port from the NLB and clients"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-consumer" })

  lifecycle {
    precondition {
      condition     = var.create_vpc || length(local.existing_zone_ids) >= 3
      error_message = local.enough_azs_message
    }
    precondition {
      condition     = var.create_vpc || length(local.existing_vpc_ids) <= 1 && alltrue([for v in local.existing_vpc_ids : v == var.existing_vpc_id])
      error_message = "existing_subnet_ids must all belong to existing_vpc_id (${coalesce(var.existing_vpc_id, "unset")}); found VPC(s): ${join(", ", local.existing_vpc_ids)}."
    }
    # Free IPs: "Considerations when using Amazon Redshift Serverless", table of free IP
    # addresses per base RPU with enhanced VPC routing (serverless-usage-considerations.html).
    precondition {
      condition     = !var.create_vpc || var.free_ips_needed.total <= local.created_subnet_usable_ips
      error_message = "The fleet needs ${var.free_ips_needed.total} free IPs in each subnet (workgroups by base capacity per the AWS table, endpoints, NLB) but a /23 subnet has ${local.created_subnet_usable_ips}: lower base capacities or use fewer consumers."
    }
    precondition {
      condition     = var.create_vpc || length(local.short_subnets) == 0
      error_message = "Existing subnets without room for the largest workgroup (${var.free_ips_needed.largest} free IPs each, AWS table per base RPU): ${join(", ", local.short_subnets)}. A first apply into these subnets needs ${var.free_ips_needed.total} free IPs in each."
    }
  }
}

resource "aws_security_group" "nlb" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (workgroups, endpoints, NLB, client instances) through the security_group_ids output.
  name        = "${var.name}-nlb"
  description = "Internal NLB: listener ports from clients, Redshift port to consumer endpoints"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-nlb" })
}

resource "aws_security_group" "client" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (workgroups, endpoints, NLB, client instances) through the security_group_ids output.
  name        = "${var.name}-client"
  description = "Clients of the fleet (apps, the rsfleet test instance): may reach the NLB, consumers and producer"
  vpc_id      = local.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-client" })
}

# producer <- clients
resource "aws_vpc_security_group_ingress_rule" "producer_from_client" {
  security_group_id            = aws_security_group.producer.id
  description                  = "Redshift from client security group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.client.id
}

# Enhanced VPC routing stays on in both VPC modes, so COPY/UNLOAD always need HTTPS to S3.
# The AWS-managed prefix list of S3 exists in every region, with or without our gateway
# endpoint (an existing VPC may route S3 through its own endpoint or a NAT).
# https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
data "aws_ec2_managed_prefix_list" "s3" {
  name = "com.amazonaws.${data.aws_region.current.name}.s3"
}

# DynamoDB's AWS-managed prefix list, likewise present with or without a gateway endpoint of
# ours (an existing VPC's own endpoint, or none): the controller's egress rule to DynamoDB.
data "aws_ec2_managed_prefix_list" "dynamodb" {
  name = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
}

resource "aws_vpc_security_group_egress_rule" "producer_to_s3" {
  security_group_id = aws_security_group.producer.id
  description       = "HTTPS to S3 (COPY/UNLOAD with enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.s3.id
}

# consumer <- NLB (client traffic and health checks use the target port)
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
resource "aws_vpc_security_group_ingress_rule" "consumer_from_nlb" {
  security_group_id            = aws_security_group.consumer.id
  description                  = "Redshift and health checks from the NLB"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_vpc_security_group_ingress_rule" "consumer_from_client" {
  security_group_id            = aws_security_group.consumer.id
  description                  = "Redshift from clients directly (rsfleet readiness probes and diagnose)"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.client.id
}

# NLB <- clients
resource "aws_vpc_security_group_ingress_rule" "nlb_from_client" {
  for_each = toset([for p in var.nlb_listener_ports : tostring(p)])

  security_group_id            = aws_security_group.nlb.id
  description                  = "Listener ${each.key} from client security group"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.client.id
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_cidr" {
  for_each = {
    for pair in setproduct([for p in var.nlb_listener_ports : tostring(p)], var.allowed_cidrs) :
    "${pair[0]}-${pair[1]}" => { port = tonumber(pair[0]), cidr = pair[1] }
  }

  security_group_id = aws_security_group.nlb.id
  description       = "Listener ${each.value.port} from allowed CIDR ${each.value.cidr}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_sg" {
  for_each = {
    for pair in setproduct([for p in var.nlb_listener_ports : tostring(p)], var.allowed_security_group_ids) :
    "${pair[0]}-${pair[1]}" => { port = tonumber(pair[0]), sg = pair[1] }
  }

  security_group_id            = aws_security_group.nlb.id
  description                  = "Listener ${each.value.port} from allowed security group ${each.value.sg}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.sg
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_consumer" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "Redshift and health checks to consumer endpoints"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.consumer.id
}

# clients ->
resource "aws_vpc_security_group_egress_rule" "client_to_nlb" {
  for_each = toset([for p in var.nlb_listener_ports : tostring(p)])

  security_group_id            = aws_security_group.client.id
  description                  = "NLB listener ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_vpc_security_group_egress_rule" "client_to_consumer" {
  security_group_id            = aws_security_group.client.id
  description                  = "Redshift on consumer endpoints (readiness probes)"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.consumer.id
}

# The test instance (client SG) reaches AWS APIs through the interface endpoints and
# downloads the rsfleet artifact from S3 through the gateway endpoint.
resource "aws_vpc_security_group_egress_rule" "client_to_endpoints" {
  count = length(var.interface_endpoints) > 0 ? 1 : 0

  security_group_id            = aws_security_group.client.id
  description                  = "HTTPS to the interface VPC endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id
}

resource "aws_vpc_security_group_egress_rule" "client_to_s3" {
  security_group_id = aws_security_group.client.id
  description       = "HTTPS to S3 (the rsfleet artifact for the test instance)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.s3.id
}

resource "aws_vpc_security_group_egress_rule" "client_to_producer" {
  security_group_id            = aws_security_group.client.id
  description                  = "Redshift on the producer"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.producer.id
}

# ---------------------------------------------------------------------------------------
# VPC flow logs -> CloudWatch Logs, encrypted with a customer-managed key.
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "flow_logs_kms" {
  #checkov:skip=CKV_AWS_111:KMS key policy: Resource "*" means this key only, and the account root statement is the AWS default key policy (IAM policies decide who uses the key).
  #checkov:skip=CKV_AWS_356:KMS key policy: Resource "*" means this key only.
  #checkov:skip=CKV_AWS_109:KMS key policy: the account root statement is the AWS default key policy; without it the key becomes unmanageable.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsUse"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "logs" {
  description             = "${var.name}: VPC flow logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.flow_logs_kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-flow-logs"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/aws/vpc-flow-logs/${var.name}"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role" "flow_logs" {
  name_prefix        = "${substr(var.name, 0, 28)}-flowlogs-"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id                   = local.vpc_id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn             = aws_iam_role.flow_logs.arn
  max_aggregation_interval = 60
  tags                     = merge(var.tags, { Name = var.name })
}
