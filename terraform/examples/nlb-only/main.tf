# The NLB module alone, in front of two fixed targets: what rsfleet's root module does with the
# consumers' managed VPC endpoint IPs. Validated offline by tests/terraform/test_examples.py.
provider "aws" {
  region = "eu-west-1"
}

module "nlb" {
  source = "../../modules/nlb"

  name               = "rsfleet-example"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  security_group_ids = ["sg-0123456789abcdef0"]
  targets = {
    "c1-eu-west-1a" = "10.0.1.10"
    "c2-eu-west-1b" = "10.0.2.10"
  }
}

output "dns_name" {
  description = "The NLB's DNS name."
  value       = module.nlb.dns_name
}
