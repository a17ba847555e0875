output "bucket_name" {
  description = "Name of the artifact bucket (depend on this output, not the variable, so the bucket exists first)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = aws_s3_bucket.this.arn
}
