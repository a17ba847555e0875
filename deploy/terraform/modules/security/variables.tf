variable "name" {
  description = "Name prefix for the security groups."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the security groups belong to."
  type        = string
}

variable "web_port" {
  description = "Port nginx listens on in the web tier (the public load balancer forwards to it)."
  type        = number
  default     = 8080
}

variable "app_ports" {
  description = "HTTP port of each app service in the app tier, by app name."
  type        = map(number)
  default = {
    shop      = 8000
    microblog = 8001
  }
}

variable "metrics_ports" {
  description = "Port of each app's /metrics endpoint (its monitor port), by app name; only the monitoring tier may reach it."
  type        = map(number)
  default = {
    shop      = 9180
    microblog = 9181
  }
}

variable "node_exporter_port" {
  description = "Port of prometheus-node-exporter on every host; only the monitoring tier may reach it."
  type        = number
  default     = 9100
}

variable "database_port" {
  description = "PostgreSQL port of the database tier."
  type        = number
  default     = 5432
}
