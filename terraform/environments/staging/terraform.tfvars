# rsfleet fleet spec: staging. Read by Terraform AND by rsfleet (python-hcl2 + pydantic):
# plain literals only, no expressions or functions. Rules: docs/CONTRACTS.md §1.

project_name = "rsfleet"
environment  = "staging"
aws_region   = "us-east-1"
vpc_cidr     = "10.41.0.0/16"

create_vpc          = true
existing_vpc_id     = null
existing_subnet_ids = []

# The subnets' zones, named (not "the first three of the region": in us-east-1 those include
# use1-az3, a constrained zone). Redshift Serverless lists the zone IDs it supports in the
# console's "Additional considerations" when creating a workgroup; the docs ask for subnets in
# at least three of them and publish no list
# (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html).
# use1-az3 is also missing from AWS's lists of zones that take zonal services, e.g.
# https://docs.aws.amazon.com/efs/latest/ug/OneZoneAZs.html. Check yours before the first apply.
availability_zone_ids = ["use1-az1", "use1-az2", "use1-az4"]

producer = {
  base_capacity  = 16
  max_capacity   = 64
  database_name  = "dev"
  admin_username = "rsfleet_admin"
  usage_limit = {
    amount        = 500
    period        = "monthly"
    breach_action = "emit-metric"
  }
}

consumers = {
  c1 = {
    base_capacity         = 8
    max_capacity          = 32
    behind_nlb            = true
    query_timeout_seconds = 3600
  }
  c2 = {
    base_capacity         = 8
    max_capacity          = 32
    behind_nlb            = true
    query_timeout_seconds = 3600
  }
  c3 = {
    base_capacity         = 8
    max_capacity          = 32
    behind_nlb            = true
    query_timeout_seconds = 3600
  }
}

datashares = {
  sales_share = {
    schemas           = ["sales"]
    tables            = []
    consumers         = ["*"]
    consumer_database = "sales_db"
  }
}

nlb = {
  port                            = 5439
  health_check_interval           = 10
  health_check_timeout            = 5
  healthy_threshold               = 2
  unhealthy_threshold             = 2
  deregistration_delay            = 30
  cross_zone                      = true
  allowed_cidrs                   = []
  allowed_security_group_ids      = []
  register_targets_with_terraform = false
}

# The readiness controller as a Lambda singleton (docs/targets.md); needs `make artifact`.
controller = {
  enabled            = true
  interval_seconds   = 5
  data_check_seconds = 3600
}

tags = {
  Owner = "data-platform"
}
