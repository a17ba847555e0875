# Both outputs wait for the bucket policy: a load balancer checks that it
# may write there when its access logs are switched on.

output "bucket_name" {
  description = "Name of the log bucket (load balancer access logs under alb/)."
  value       = aws_s3_bucket.this.id

  depends_on = [aws_s3_bucket_policy.this]
}

output "bucket_arn" {
  description = "ARN of the log bucket (VPC flow logs under vpc-flow-logs/)."
  value       = aws_s3_bucket.this.arn

  depends_on = [aws_s3_bucket_policy.this]
}
