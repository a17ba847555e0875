variable "name" {
  description = "Name prefix of the load balancers and target groups (at most 20 characters; AWS caps names at 32)."
  type        = string

  validation {
    condition     = length(var.name) <= 20
    error_message = "Keep the name at 20 characters or fewer so that derived names fit AWS's 32-character limit."
  }
}

variable "vpc_id" {
  description = "ID of the VPC of the target groups."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets, one per zone, of the internet-facing load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets, one per zone, of the internal load balancer in front of the app tier."
  type        = list(string)
}

variable "lb_security_group_id" {
  description = "Security group of the internet-facing load balancer."
  type        = string
}

variable "app_lb_security_group_id" {
  description = "Security group of the internal load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ARN of the ACM certificate the HTTPS listener presents."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "web_port" {
  description = "Port of nginx on the web tier instances."
  type        = number
  default     = 8080
}

variable "app_ports" {
  description = "HTTP port of each app service, by app name; each gets a listener on the internal load balancer and a target group."
  type        = map(number)
  default = {
    shop      = 8000
    microblog = 8001
  }
}

variable "web_host_names" {
  description = "Host names, by site (for example microblog), the HTTPS listener forwards to the web tier by an explicit host-header rule (at most five per site)."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for names in values(var.web_host_names) : length(names) >= 1 && length(names) <= 5])
    error_message = "Each site needs one to five host names (an ALB rule condition takes at most five values)."
  }
}

variable "health_check_path" {
  description = "Readiness path every target group checks."
  type        = string
  default     = "/readyz"
}

variable "deregistration_delay" {
  description = "Seconds a draining target keeps its in-flight requests before the load balancer drops it."
  type        = number
  default     = 30
}

variable "deletion_protection" {
  description = "Protect the load balancers from deletion (turn off before tearing the environment down)."
  type        = bool
  default     = true
}

variable "hsts_header_value" {
  description = "Strict-Transport-Security value the HTTPS listener adds to every response (at least a year; add includeSubDomains only when every subdomain of the site's domains is HTTPS)."
  type        = string
  default     = "max-age=31536000"

  validation {
    condition     = can(regex("^max-age=[0-9]+(; ?includeSubDomains)?(; ?preload)?$", var.hsts_header_value)) && tonumber(regex("^max-age=([0-9]+)", var.hsts_header_value)[0]) >= 31536000
    error_message = "Give max-age of at least 31536000 (one year), optionally followed by includeSubDomains and preload."
  }
}

variable "access_logs_bucket" {
  description = "Name of the encrypted (SSE-S3) bucket both load balancers write their access logs to, under alb/public/ and alb/internal/."
  type        = string
}
