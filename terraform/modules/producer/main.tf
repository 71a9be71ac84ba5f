# The producer: the fleet's customer-managed KMS key (also used by the consumers), the IAM
# role Redshift assumes, and the producer namespace + workgroup.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# Key policy: the default policy (the account owns the key; IAM policies decide who may use
# it). Redshift Serverless and Secrets Manager use the key through grants they create on
# behalf of the principal that runs Terraform/rsfleet, so that principal needs kms:CreateGrant,
# kms:Decrypt, kms:GenerateDataKey* and kms:DescribeKey on this key in its IAM policy.
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:KMS key policy: Resource "*" means this key only, and the account root statement is the AWS default key policy (IAM policies decide who uses the key).
  #checkov:skip=CKV_AWS_356:KMS key policy: Resource "*" means this key only.
  #checkov:skip=CKV_AWS_109:KMS key policy: the account root statement is the AWS default key policy; without it the key becomes unmanageable.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # The audit log groups (/aws/redshift/<namespace>/<log_type>) are encrypted with this key.
  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  statement {
    sid       = "CloudWatchLogsAuditGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws/redshift/*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: Redshift Serverless namespaces and admin secrets"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# Role Redshift assumes for COPY/UNLOAD. No permissions unless buckets are given.
# https://docs.aws.amazon.com/redshift/latest/mgmt/authorizing-redshift-service.html
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "redshift" {
  name_prefix          = "${substr(var.name, 0, 30)}-"
  description          = "Assumed by Redshift Serverless namespace ${var.name}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "s3_read" {
  count = length(var.s3_read_bucket_arns) > 0 ? 1 : 0

  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = var.s3_read_bucket_arns
  }

  statement {
    sid       = "ReadObjects"
    actions   = ["s3:GetObject"]
    resources = [for a in var.s3_read_bucket_arns : "${a}/*"]
  }
}

resource "aws_iam_role_policy" "s3_read" {
  count = length(var.s3_read_bucket_arns) > 0 ? 1 : 0

  name   = "s3-read"
  role   = aws_iam_role.redshift.id
  policy = data.aws_iam_policy_document.s3_read[0].json
}

module "workgroup" {
  source = "../serverless-workgroup"

  name                     = var.name
  database_name            = var.database_name
  admin_username           = var.admin_username
  kms_key_arn              = aws_kms_key.this.arn
  iam_role_arns            = [aws_iam_role.redshift.arn]
  base_capacity            = var.base_capacity
  max_capacity             = var.max_capacity
  subnet_ids               = var.subnet_ids
  security_group_ids       = var.security_group_ids
  port                     = var.port
  max_query_execution_time = var.max_query_execution_time
  usage_limit              = var.usage_limit
  log_retention_days       = var.log_retention_days
  tags                     = var.tags
}
