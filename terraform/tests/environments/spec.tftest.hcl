# Validates a shipped environment spec against the root variable rules and plans it with a
# mocked provider. Variables come from the command line, e.g.
#   terraform -chdir=terraform test -test-directory=tests/environments \
#     -var-file=environments/dev/terraform.tfvars

mock_provider "aws" {
  source = "./tests/mocks"
}

# `rsfleet apply` passes the artifact `make artifact` built; any zip will do for a plan.
variables {
  artifact_path = "modules/controller/tests/empty.zip"
}

run "plan" {
  command = plan

  assert {
    condition     = length(module.consumer) == length(var.consumers)
    error_message = "one consumer module per consumer"
  }

  assert {
    condition     = length(local.nlb_targets) == 3 * length([for c in var.consumers : c if c.behind_nlb])
    error_message = "three NLB targets per consumer behind the NLB"
  }

  assert {
    condition     = length(module.controller) == (var.controller.enabled ? 1 : 0)
    error_message = "one controller when the spec enables it, none otherwise"
  }
}
