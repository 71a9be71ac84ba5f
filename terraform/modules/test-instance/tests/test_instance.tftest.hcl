# The test instance module offline (mock provider): the rights `rsfleet loadtest --drain`
# needs on the instance (it drains through the shared drain state, then deregisters the
# consumer's IPs), and none without drain_access.
# Run: terraform -chdir=terraform/modules/test-instance test

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "rsfleet-dev-test"
  aws_region               = "us-east-1"
  subnet_id                = "subnet-0aaa"
  client_security_group_id = "sg-0123456789abcdef0"
  artifact = {
    bucket = "rsfleet-dev-artifacts"
    key    = "rsfleet-lambda.zip"
    sha256 = "8aaa2fe67a220952c811d8de55727ddaa9dee757ec9bfade156a418feab024ca"
  }
  readable_secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rsfleet-dev-admin-AbCdEf"]
  kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  drain_access = {
    target_group_arn  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rsfleet-dev/0123456789abcdef"
    state_table_arn   = "arn:aws:dynamodb:us-east-1:123456789012:table/rsfleet-dev-controller"
    state_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }
}

run "loadtest_drain_can_write_the_shared_state_and_deregister" {
  command = plan

  assert {
    condition     = one([for s in data.aws_iam_policy_document.rsfleet.statement : s.resources if s.sid == "DrainTheFleetsTargets"]) == toset([var.drain_access.target_group_arn])
    error_message = "register/deregister on the fleet's target group only"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.rsfleet.statement : s.actions if s.sid == "SharedDrainState"]) == toset(["dynamodb:GetItem", "dynamodb:PutItem"]) && one([for s in data.aws_iam_policy_document.rsfleet.statement : s.resources if s.sid == "SharedDrainState"]) == toset([var.drain_access.state_table_arn])
    error_message = "GetItem/PutItem on the controller's state table only"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.rsfleet.statement : s.resources if s.sid == "SharedDrainStateKey"]) == toset([var.drain_access.state_kms_key_arn])
    error_message = "the state table's KMS key, through DynamoDB"
  }
}

run "list_endpoint_access_on_its_resource_type" {
  command = plan

  assert {
    condition     = contains(one([for s in data.aws_iam_policy_document.rsfleet.statement : s.resources if s.sid == "ReadFleetWorkgroups"]), "arn:aws:redshift-serverless:us-east-1:123456789012:managedvpcendpoint/*")
    error_message = "ListEndpointAccess takes the endpointAccess type (managedvpcendpoint/*), not workgroup/*"
  }
}

run "no_drain_access_no_write_rights" {
  command = plan

  variables {
    drain_access = null
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.rsfleet.statement : s if contains(["DrainTheFleetsTargets", "SharedDrainState", "SharedDrainStateKey"], s.sid)]) == 0
    error_message = "without drain_access the instance only reads"
  }
}

run "without_the_controller_only_the_target_group" {
  command = plan

  variables {
    drain_access = {
      target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rsfleet-dev/0123456789abcdef"
    }
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.rsfleet.statement : s if s.sid == "DrainTheFleetsTargets"]) == 1 && length([for s in data.aws_iam_policy_document.rsfleet.statement : s if contains(["SharedDrainState", "SharedDrainStateKey"], s.sid)]) == 0
    error_message = "no controller: the local drain file on the instance, and the target group"
  }
}

run "table_without_its_key_is_refused" {
  command = plan

  variables {
    drain_access = {
      target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rsfleet-dev/0123456789abcdef"
      state_table_arn  = "arn:aws:dynamodb:us-east-1:123456789012:table/rsfleet-dev-controller"
    }
  }

  expect_failures = [var.drain_access]
}

# Review finding 7: a newer AMI in the public SSM parameter does not replace the instance
# (ignore_changes); only an asked-for -replace or a new artifact does.
run "first_apply" {
  command = apply
}

run "a_newer_ami_changes_nothing" {
  command = plan

  override_data {
    target = data.aws_ssm_parameter.al2023[0]
    values = { value = "ami-0fedcba9876543210" }
  }

  assert {
    condition     = aws_instance.this.ami == "ami-0123456789abcdef0"
    error_message = "the instance keeps the AMI it was created from"
  }
}
