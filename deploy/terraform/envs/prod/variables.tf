variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name; used in resource names and the tags Prometheus discovers by."
  type        = string
  default     = "prod"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "availability_zones" {
  description = "Two availability zones to use; empty picks the first two of the region."
  type        = list(string)
  default     = []
}

variable "single_nat_gateway" {
  description = "Share one NAT gateway between the zones (saves about 36 USD a month, loses zone independence of egress)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ARN of the ACM certificate for the site's domain, presented by the HTTPS listener."
  type        = string
}

variable "artifact_bucket" {
  description = "S3 bucket the pipeline uploads release packages to (created once, see docs/operations-aws.md); also holds the monitoring configuration."
  type        = string
}

variable "release_version" {
  description = "Release to run: the packages under s3://<artifact_bucket>/releases/<release_version>/ (the pipeline passes the commit SHA it uploaded them under). Changing it rolls every tier."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.release_version))
    error_message = "The release version is one S3 key segment: letters, digits, '.', '_' and '-' (for example a commit SHA)."
  }
}

variable "microblog_server_name" {
  description = "Host name(s) the microblog is served on, space-separated (for example \"blog.example.com\"). The load balancer forwards them to the web tier, whose nginx routes them to the microblog; every other host name is the shop. The ACM certificate must cover them."
  type        = string

  validation {
    condition     = length(split(" ", var.microblog_server_name)) <= 5 && alltrue([for h in split(" ", var.microblog_server_name) : can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]([a-z0-9-]*[a-z0-9])?$", h))])
    error_message = "Give one to five lower-case DNS names separated by single spaces, such as \"blog.example.com\"."
  }
}

variable "shop_payment_gateway" {
  description = "How the shop charges cards: \"stripe\" (real payments; the Stripe key goes into the secret Terraform creates, see docs/operations-aws.md) or \"sandbox\" (orders are marked paid without charging anyone; also needs shop_allow_sandbox = true). No default: every environment chooses."
  type        = string

  validation {
    condition     = contains(["stripe", "sandbox"], var.shop_payment_gateway)
    error_message = "The payment gateway is \"stripe\" or \"sandbox\"."
  }
}

variable "shop_allow_sandbox" {
  description = "Let the shop run with the sandbox payment gateway (SHOP_ALLOW_SANDBOX); only for a test environment, where no order is real."
  type        = bool
  default     = false
}

variable "hsts_header_value" {
  description = "Strict-Transport-Security value the HTTPS listener adds to its responses (at least one year)."
  type        = string
  default     = "max-age=31536000"
}

variable "log_retention_days" {
  description = "Days the load balancer access logs and VPC flow logs are kept in the log bucket."
  type        = number
  default     = 90
}

variable "web_instance_type" {
  description = "Instance type of the web tier (nginx)."
  type        = string
  default     = "t3.micro"
}

variable "app_instance_type" {
  description = "Instance type of the app tier (shop and microblog)."
  type        = string
  default     = "t3.small"
}

variable "web_min_size" {
  description = "Minimum number of web tier instances (two keeps one per zone)."
  type        = number
  default     = 2
}

variable "web_max_size" {
  description = "Maximum number of web tier instances."
  type        = number
  default     = 4
}

variable "app_min_size" {
  description = "Minimum number of app tier instances (two keeps one per zone)."
  type        = number
  default     = 2
}

variable "app_max_size" {
  description = "Maximum number of app tier instances."
  type        = number
  default     = 6
}

variable "db_instance_class" {
  description = "RDS instance class of PostgreSQL."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_multi_az" {
  description = "Keep a synchronous standby database in the other zone (automatic failover, typically 60-120 s). Production keeps it on: tests/policy checks it."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated database backups and point-in-time recovery (7 to 35), also for the replicated copies."
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "Keep between 7 and 35 days of database backups."
  }
}

variable "db_backup_replication_enabled" {
  description = "Copy the database's automated backups to db_backup_replica_region (encrypted with a KMS key there), for a restore when this region is down."
  type        = bool
  default     = false
}

variable "db_backup_replica_region" {
  description = "Region that holds the replicated database backups when db_backup_replication_enabled is set; must differ from region."
  type        = string
  default     = "us-west-2"
}

variable "db_identifier" {
  description = "RDS identifier of the database; null keeps tierstack-<environment>. Set it with db_restore to restore into a new instance (docs/operations-aws.md, \"Restoring the database\"), and keep both set afterwards."
  type        = string
  default     = null
}

variable "db_restore" {
  description = "Where the database is restored from (null: a new, empty database). snapshot_identifier, or a point in time: source_db_instance_identifier / source_dbi_resource_id / source_db_instance_automated_backups_arn with restore_time (UTC, RFC 3339) or use_latest_restorable_time. See docs/operations-aws.md."
  type = object({
    snapshot_identifier                      = optional(string)
    source_db_instance_identifier            = optional(string)
    source_dbi_resource_id                   = optional(string)
    source_db_instance_automated_backups_arn = optional(string)
    restore_time                             = optional(string)
    use_latest_restorable_time               = optional(bool)
  })
  default = null
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB."
  type        = number
  default     = 20
}

variable "monitoring_instance_type" {
  description = "Instance type of the Prometheus and Grafana instance."
  type        = string
  default     = "t3.small"
}

variable "deletion_protection" {
  description = "Protect the database and load balancers from deletion; set false only to tear the environment down."
  type        = bool
  default     = true
}
