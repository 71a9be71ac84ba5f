output "dns_name" {
  description = "DNS name of the internal NLB (clients connect here)."
  value       = aws_lb.this.dns_name
}

output "arn" {
  description = "ARN of the NLB."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the NLB (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "zone_id" {
  description = "Route 53 zone ID of the NLB (for alias records)."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "ARN of the TCP target group of the consumers."
  value       = aws_lb_target_group.consumers.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.consumers.arn_suffix
}

output "port" {
  description = "TCP listener port."
  value       = var.port
}

output "registered_target_keys" {
  description = "Keys (<consumer>-<az>) of the targets Terraform registered."
  value       = sort(keys(aws_lb_target_group_attachment.this))
}
