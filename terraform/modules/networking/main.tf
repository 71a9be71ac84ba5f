# Networking for the fleet: a VPC (created or existing), three private /23 subnets in three
# AZs (keys "a", "b", "c"), security groups with least-privilege rules on the Redshift port,
# and VPC flow logs to a KMS-encrypted CloudWatch log group.
#
# Redshift Serverless needs subnets in at least three AZs for a workgroup, and needs free IP
# addresses in them (more RPUs, more IPs): "Considerations when using Amazon Redshift
# Serverless" https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  az_keys = ["a", "b", "c"]
  prefix  = try(tonumber(split("/", var.vpc_cidr)[1]), 16)

  # --- created VPC ---------------------------------------------------------------------
  created_subnets = var.create_vpc ? {
    for i, k in local.az_keys : k => {
      cidr = cidrsubnet(var.vpc_cidr, 23 - local.prefix, i)
      az   = length(var.availability_zones) > 0 ? var.availability_zones[i] : data.aws_availability_zones.available[0].names[i]
    }
  } : {}

  # --- existing VPC: first subnet (by ID) of each of the first three AZs (by name) --------
  existing_azs = sort(distinct([for s in data.aws_subnet.existing : s.availability_zone]))
  existing_by_az = {
    for az in local.existing_azs : az => sort([for s in data.aws_subnet.existing : s.id if s.availability_zone == az])[0]
  }
  existing_vpc_ids = distinct([for s in data.aws_subnet.existing : s.vpc_id])

  vpc_id = var.create_vpc ? aws_vpc.this[0].id : var.existing_vpc_id

  subnet_ids_by_az = var.create_vpc ? {
    for k in local.az_keys : k => aws_subnet.private[k].id
    } : {
    for i, k in local.az_keys : k => try(local.existing_by_az[local.existing_azs[i]], null)
  }
  availability_zones_by_key = var.create_vpc ? {
    for k in local.az_keys : k => local.created_subnets[k].az
    } : {
    for i, k in local.az_keys : k => try(local.existing_azs[i], null)
  }

  enough_azs_message = "existing_subnet_ids span ${length(local.existing_azs)} Availability Zone(s) (${join(", ", local.existing_azs)}); Redshift Serverless workgroups and the one-endpoint-per-AZ layout need subnets in at least 3 AZs. Add subnets in other AZs to existing_subnet_ids, or set create_vpc = true."
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first three zone names (sorted) are used, once, to create the subnets; a zone AWS adds later gets a later letter and does not change them. Set availability_zones to pin the zones explicitly.
  count = var.create_vpc && length(var.availability_zones) == 0 ? 1 : 0
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) >= 3
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
  availability_zone       = each.value.az
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}", Tier = "private" })
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

# With enhanced VPC routing, COPY/UNLOAD traffic to S3 goes through the VPC: give it a path.
# https://docs.aws.amazon.com/redshift/latest/mgmt/enhanced-vpc-routing.html
resource "aws_vpc_endpoint" "s3" {
  count = var.create_vpc && var.create_s3_gateway_endpoint ? 1 : 0

  vpc_id            = aws_vpc.this[0].id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for k in local.az_keys : aws_route_table.private[k].id]

  tags = merge(var.tags, { Name = "${var.name}-s3" })
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
      condition     = var.create_vpc || length(local.existing_azs) >= 3
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
      condition     = var.create_vpc || length(local.existing_azs) >= 3
      error_message = local.enough_azs_message
    }
    precondition {
      condition     = var.create_vpc || length(local.existing_vpc_ids) <= 1 && alltrue([for v in local.existing_vpc_ids : v == var.existing_vpc_id])
      error_message = "existing_subnet_ids must all belong to existing_vpc_id (${coalesce(var.existing_vpc_id, "unset")}); found VPC(s): ${join(", ", local.existing_vpc_ids)}."
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

resource "aws_vpc_security_group_egress_rule" "producer_to_s3" {
  count = var.create_vpc && var.create_s3_gateway_endpoint ? 1 : 0

  security_group_id = aws_security_group.producer.id
  description       = "HTTPS to S3 through the gateway endpoint (COPY/UNLOAD with enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
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
