output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the state."
  value       = aws_kms_key.state.arn
}

output "dynamodb_table_name" {
  description = "Name of the DynamoDB lock table, or null."
  value       = try(aws_dynamodb_table.locks[0].name, null)
}
