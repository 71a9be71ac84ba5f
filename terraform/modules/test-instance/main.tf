# A small SSM-managed EC2 instance inside the fleet's VPC that runs `rsfleet loadtest` and
# `rsfleet diagnose` against the internal NLB. No SSH key, no public IP, IMDSv2 only,
# encrypted root volume. Driven by SSM Run Command (`rsfleet loadtest --via-test-instance`).
# https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
#
# rsfleet comes from the artifact (`make artifact`, modules/artifacts) in S3, reached through
# the S3 gateway endpoint; Python 3.12, psql and unzip come from the Amazon Linux 2023
# repositories, which are S3 buckets too. No internet: in the created VPC the instance
# reaches SSM through the ssm/ssmmessages/ec2messages interface endpoints
# (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html).

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

data "aws_subnet" "this" {
  id = var.subnet_id
}

data "aws_ssm_parameter" "al2023" {
  count = var.ami_id == null ? 1 : 0
  name  = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

locals {
  ami = var.ami_id != null ? var.ami_id : nonsensitive(data.aws_ssm_parameter.al2023[0].value)

  # From the artifact: unzip into /opt/rsfleet and run it with python3.12 (the artifact's
  # Python, src/rsfleet/controller/artifact.py); the SHA-256 is checked before use.
  install_from_artifact = var.artifact == null ? "" : <<-EOT
    dnf install -y python3.12 postgresql15 unzip
    aws s3 cp --region ${var.aws_region} --only-show-errors 's3://${var.artifact.bucket}/${var.artifact.key}' /tmp/rsfleet-lambda.zip
    echo '${var.artifact.sha256}  /tmp/rsfleet-lambda.zip' | sha256sum -c -
    rm -rf /opt/rsfleet && mkdir -p /opt/rsfleet
    unzip -q /tmp/rsfleet-lambda.zip -d /opt/rsfleet && rm -f /tmp/rsfleet-lambda.zip
    printf '#!/bin/sh\nPYTHONPATH=/opt/rsfleet exec /usr/bin/python3.12 -m rsfleet "$@"\n' > /usr/local/bin/rsfleet
    chmod 0755 /usr/local/bin/rsfleet
  EOT
  # Fallback with internet (a NAT): pip from an index.
  install_from_pip = var.rsfleet_package_source == null ? "" : <<-EOT
    dnf install -y python3.12 python3.12-pip postgresql15
    python3.12 -m venv /opt/rsfleet-venv
    /opt/rsfleet-venv/bin/pip install '${var.rsfleet_package_source}'
    ln -sf /opt/rsfleet-venv/bin/rsfleet /usr/local/bin/rsfleet
  EOT

  user_data = <<-EOT
    #!/bin/bash
    set -euxo pipefail
    ${var.artifact != null ? local.install_from_artifact : local.install_from_pip}
    rsfleet --version
    echo 'export AWS_DEFAULT_REGION=${var.aws_region}' > /etc/profile.d/rsfleet.sh
  EOT
}

# --- IAM -------------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 30)}-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "rsfleet" {
  # Read-only views used by `rsfleet diagnose` and `rsfleet targets status`. These Describe/
  # Get/List actions do not support resource-level permissions.
  statement {
    sid = "ReadFleetState"
    actions = [
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "ec2:DescribeSecurityGroups",
      "redshift-serverless:ListWorkgroups",
    ]
    resources = ["*"]
  }

  statement {
    sid     = "ReadFleetWorkgroups"
    actions = ["redshift-serverless:GetWorkgroup", "redshift-serverless:GetNamespace", "redshift-serverless:ListEndpointAccess"]
    resources = [
      "arn:${data.aws_partition.current.partition}:redshift-serverless:${var.aws_region}:${data.aws_caller_identity.current.account_id}:workgroup/*",
      "arn:${data.aws_partition.current.partition}:redshift-serverless:${var.aws_region}:${data.aws_caller_identity.current.account_id}:namespace/*",
      # ListEndpointAccess requires the endpointAccess type (managed VPC endpoints), not the
      # workgroup: Service Authorization Reference, list_amazonredshiftserverless.html.
      "arn:${data.aws_partition.current.partition}:redshift-serverless:${var.aws_region}:${data.aws_caller_identity.current.account_id}:managedvpcendpoint/*",
    ]
  }

  dynamic "statement" {
    for_each = length(var.readable_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadFleetSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = var.readable_secret_arns
    }
  }

  dynamic "statement" {
    for_each = var.artifact == null ? [] : [var.artifact]
    content {
      sid       = "ReadRsfleetArtifact"
      actions   = ["s3:GetObject"]
      resources = ["arn:${data.aws_partition.current.partition}:s3:::${statement.value.bucket}/${statement.value.key}"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptFleetSecretsAndArtifact"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.aws_region}.amazonaws.com", "s3.${var.aws_region}.amazonaws.com"]
      }
    }
  }

  # `rsfleet loadtest --drain NAME@T` on the instance drains through the shared drain state
  # (src/rsfleet/loadtest/faults.py aws_drain): it writes the drain, then deregisters the
  # consumer's IPs from the fleet's target group (and registers them on undrain).
  dynamic "statement" {
    for_each = var.drain_access == null ? [] : [var.drain_access.target_group_arn]
    content {
      sid       = "DrainTheFleetsTargets"
      actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
      resources = [statement.value]
    }
  }

  # The controller's drain-state table (GetItem, conditional PutItem: src/rsfleet/targets/
  # store.py) and its customer managed key, used by DynamoDB on the caller's behalf.
  # https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
  dynamic "statement" {
    for_each = try(var.drain_access.state_table_arn, null) == null ? [] : [var.drain_access.state_table_arn]
    content {
      sid       = "SharedDrainState"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = try(var.drain_access.state_kms_key_arn, null) == null ? [] : [var.drain_access.state_kms_key_arn]
    content {
      sid       = "SharedDrainStateKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${var.aws_region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "rsfleet" {
  name   = "rsfleet-read"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.rsfleet.json
}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${substr(var.name, 0, 30)}-"
  role        = aws_iam_role.this.name
  tags        = var.tags
}

# --- Network: HTTPS out (VPC endpoints, S3; a NAT if there is one) ---------------------------

resource "aws_security_group" "egress_https" {
  name        = "${var.name}-https-out"
  description = "rsfleet test instance: outbound HTTPS (SSM, Secrets Manager, S3 through VPC endpoints)"
  vpc_id      = data.aws_subnet.this.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-https-out" })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.egress_https.id
  description       = "HTTPS to AWS APIs (VPC endpoints, S3 gateway) or a NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- Instance --------------------------------------------------------------------------------

resource "aws_instance" "this" {
  ami                         = local.ami
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [var.client_security_group_id, aws_security_group.egress_https.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true
  user_data                   = local.user_data
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted   = true
    volume_type = "gp3"
    volume_size = 20
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    # A new Amazon Linux AMI in the SSM parameter (every few weeks) must not replace the
    # instance on the next apply. Ask for it: `terraform apply -replace=<this address>`
    # (https://developer.hashicorp.com/terraform/cli/commands/plan#replace-address).
    # A new artifact (another sha256 in the user data) still replaces it: that is a change.
    ignore_changes = [ami]

    # References the endpoints so the instance is created after them (no attribute changes
    # with them: a new endpoint must not replace the instance).
    precondition {
      condition     = alltrue([for id in var.boot_dependency_ids : id != ""])
      error_message = "The VPC endpoints and route table associations the instance boots through must exist first."
    }

    precondition {
      condition     = (var.artifact == null) != (var.rsfleet_package_source == null)
      error_message = "Give the test instance exactly one of artifact (from `make artifact`, no internet needed) or rsfleet_package_source (pip, needs a NAT)."
    }
  }
}
