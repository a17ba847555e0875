variable "name" {
  description = "Name prefix for every resource of this network (for example tierstack-prod)."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC; public and private /24 subnets are carved from it."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Exactly two availability zones to spread the tiers over; empty means the first two the region offers."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) == 2
    error_message = "Give exactly two availability zones, or none to pick the first two of the region."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by both zones (cheaper, but a zone outage cuts the other zone's egress) instead of one per zone."
  type        = bool
  default     = false
}

variable "flow_logs_bucket_arn" {
  description = "ARN of the encrypted S3 bucket the VPC flow logs are delivered to (the logs module's bucket)."
  type        = string
}
