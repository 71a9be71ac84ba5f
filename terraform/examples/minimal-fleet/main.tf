# The smallest fleet: a producer, two consumers behind the NLB, one datashare.
# `terraform -chdir=terraform/examples/minimal-fleet init && terraform ... plan` shows it;
# tests/terraform/test_examples.py validates this root offline. rsfleet itself drives the
# root module with terraform/environments/<env>/terraform.tfvars instead.
module "fleet" {
  source = "../../"

  environment = "example"
  aws_region  = "eu-west-1"

  producer = {
    base_capacity = 8
  }
  consumers = {
    c1 = { base_capacity = 8 }
    c2 = { base_capacity = 8 }
  }
  datashares = {
    sales_share = { schemas = ["sales"], consumer_database = "sales_db" }
  }
}

output "nlb_dns_name" {
  description = "Where clients connect (the NLB's DNS name)."
  value       = module.fleet.nlb.dns_name
}
