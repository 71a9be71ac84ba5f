output "bucket" {
  description = "Artifact bucket name."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "Artifact bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "key" {
  description = "Object key of the artifact (rsfleet-lambda/<sha256>.zip)."
  value       = aws_s3_object.artifact.key
}

output "sha256" {
  description = "SHA-256 (hex) of the artifact."
  value       = local.sha256
}

output "object_arn" {
  description = "ARN of the artifact object (for s3:GetObject grants)."
  value       = "${aws_s3_bucket.this.arn}/${aws_s3_object.artifact.key}"
}
