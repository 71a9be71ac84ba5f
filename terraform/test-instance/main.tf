# Standalone root for a test instance next to a fleet whose root does not create one (for
# example an existing VPC with a NAT). The fleet root creates the same instance itself
# (variable test_instance, on when artifact_path is set): prefer that. The resources live in
# ../modules/test-instance.

module "test_instance" {
  source = "../modules/test-instance"

  name                     = "${var.project_name}-${var.environment}-test"
  aws_region               = var.aws_region
  subnet_id                = var.subnet_id
  client_security_group_id = var.client_security_group_id
  artifact                 = var.artifact
  rsfleet_package_source   = var.rsfleet_package_source
  readable_secret_arns     = var.readable_secret_arns
  kms_key_arn              = var.kms_key_arn
  drain_access             = var.drain_access
  instance_type            = var.instance_type
  ami_id                   = var.ami_id
  tags                     = var.tags
}
