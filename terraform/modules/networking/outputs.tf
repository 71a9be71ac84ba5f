output "vpc_id" {
  description = "ID of the VPC the fleet runs in (created or existing)."
  value       = local.vpc_id
}

output "az_keys" {
  description = "Static AZ keys used for for_each everywhere: [\"a\", \"b\", \"c\"]."
  value       = local.az_keys
}

output "subnet_ids_by_az" {
  description = "Private subnet ID per AZ key (a, b, c)."
  value       = local.subnet_ids_by_az

  precondition {
    condition     = var.create_vpc || length(local.existing_zone_ids) >= 3
    error_message = local.enough_azs_message
  }
}

output "subnet_ids" {
  description = "The three private subnet IDs, in AZ key order."
  value       = [for k in local.az_keys : local.subnet_ids_by_az[k]]
}

output "availability_zones_by_key" {
  description = "Availability Zone name per AZ key."
  value       = local.availability_zones_by_key
}

output "availability_zone_ids_by_key" {
  description = "Availability Zone ID per AZ key (the same physical zone in every account)."
  value       = local.zone_ids_by_key
}

output "security_group_ids" {
  description = "Security group IDs: producer, consumer, nlb, client."
  value = {
    producer = aws_security_group.producer.id
    consumer = aws_security_group.consumer.id
    nlb      = aws_security_group.nlb.id
    client   = aws_security_group.client.id
  }
}

output "flow_log_group_name" {
  description = "CloudWatch log group receiving the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "route_table_ids" {
  description = "Route tables of the fleet's subnets (created, or existing_route_table_ids): the gateway endpoints are on them."
  value       = local.route_table_ids
}

output "endpoint_security_group_id" {
  description = "Security group of the interface VPC endpoints (HTTPS from the VPC CIDR), or null without interface endpoints. A client needs egress 443 to it."
  value       = try(aws_security_group.endpoints[0].id, null)
}

output "interface_endpoint_ids" {
  description = "Interface VPC endpoint ID per service."
  value       = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}

output "gateway_prefix_list_ids" {
  description = "Prefix list ID per gateway endpoint service (s3, dynamodb): the destination of a security group egress rule to that service."
  value       = { for k, e in aws_vpc_endpoint.gateway : k => e.prefix_list_id }
}

output "s3_prefix_list_id" {
  description = "AWS-managed prefix list of S3 in this region (exists with or without the gateway endpoint)."
  value       = data.aws_ec2_managed_prefix_list.s3.id
}

output "dynamodb_prefix_list_id" {
  description = "AWS-managed prefix list of DynamoDB in this region (exists with or without a gateway endpoint)."
  value       = data.aws_ec2_managed_prefix_list.dynamodb.id
}

output "gateway_services" {
  description = "The gateway endpoint services created here (none in an existing VPC without existing_route_table_ids)."
  value       = sort(tolist(local.gateway_services))
}

output "vpc_cidr_block" {
  description = "The VPC's CIDR block (created, or read from the existing VPC)."
  value       = local.vpc_cidr_block
}

output "endpoint_dependency_ids" {
  description = "IDs of the VPC endpoints and route table associations: an instance that must reach AWS APIs at boot references them to be created after them (instead of depends_on on this module, which would defer the caller's data sources whenever anything here changes)."
  value = concat(
    [for e in aws_vpc_endpoint.interface : e.id],
    [for e in aws_vpc_endpoint.gateway : e.id],
    [for a in aws_route_table_association.private : a.id],
  )
}
