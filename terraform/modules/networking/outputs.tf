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
    condition     = var.create_vpc || length(local.existing_azs) >= 3
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
