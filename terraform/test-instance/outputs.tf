output "test_instance_id" {
  description = "ID of the test instance (rsfleet loadtest --via-test-instance --instance-id <id>)."
  value       = module.test_instance.instance_id
}

output "instance_id" {
  description = "ID of the test instance (same as test_instance_id)."
  value       = module.test_instance.instance_id
}

output "ssm_start_session" {
  description = "Open a shell on the instance with Session Manager."
  value       = "aws ssm start-session --region ${var.aws_region} --target ${module.test_instance.instance_id}"
}

output "ssm_diagnose_command" {
  description = "Run `rsfleet diagnose` on the instance with SSM Run Command (put the spec and `terraform output -json` on the instance first, or use rsfleet loadtest --via-test-instance)."
  value       = "aws ssm send-command --region ${var.aws_region} --instance-ids ${module.test_instance.instance_id} --document-name AWS-RunShellScript --parameters 'commands=[\"rsfleet --backend aws diagnose --spec /opt/rsfleet/spec.tfvars --tf-outputs /opt/rsfleet/outputs.json\"]'"
}

output "ssm_loadtest_command" {
  description = "Run a load test through the NLB from inside the VPC (rsfleet sends the spec and outputs over SSM itself)."
  value       = "rsfleet --backend aws loadtest --env ${var.environment} --via-test-instance --instance-id ${module.test_instance.instance_id} --password-secret-arn <consumer admin secret ARN>"
}
