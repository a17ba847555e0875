variable "name" {
  description = "Name prefix of the log bucket (the bucket gets a unique suffix)."
  type        = string
}

variable "retention_days" {
  description = "Days load balancer access logs and VPC flow logs are kept before they expire."
  type        = number
  default     = 90

  validation {
    condition     = var.retention_days >= 1
    error_message = "Keep logs for at least one day."
  }
}
