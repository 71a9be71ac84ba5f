# The rsfleet artifact (`make artifact`: dist/rsfleet-lambda.zip) in a private S3 bucket of
# the fleet. The test instance installs rsfleet from it through the S3 gateway endpoint, with
# no internet. The object key carries the file's SHA-256, so a new build is a new object
# (and a new test instance, whose user data names the hash).

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Build artifacts are rebuilt from source (`make artifact`); cross-region replication adds nothing.
  #checkov:skip=CKV2_AWS_62:No consumer for artifact-bucket event notifications.
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket; CloudTrail data events are the audit trail for this bucket.
  # The provider allows a bucket_prefix of at most 37 characters (it appends a 26-character
  # unique suffix to reach S3's 63; "bucket_prefix ... less than or equal to 37 characters",
  # https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/s3_bucket).
  # <project>-<env> can be 37 characters itself: keep 26 of it before "-artifacts-".
  bucket_prefix = "${trimsuffix(substr(var.name, 0, 26), "-")}-artifacts-"
  force_destroy = true
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-replaced-artifacts"
    status = "Enabled"
    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

locals {
  sha256 = filesha256(var.artifact_path)
  key    = "rsfleet-lambda/${local.sha256}.zip"
}

resource "aws_s3_object" "artifact" {
  bucket      = aws_s3_bucket.this.id
  key         = local.key
  source      = var.artifact_path
  source_hash = filebase64sha256(var.artifact_path)
  # Same key as the bucket default; named so the object never falls back to SSE-S3.
  kms_key_id = var.kms_key_arn
  tags       = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this, aws_s3_bucket_policy.this]
}
