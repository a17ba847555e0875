variable "name" {
  description = "Name prefix for this tier's resources (for example tierstack-prod-app)."
  type        = string
}

variable "environment" {
  description = "Environment name, put on instance tags that Prometheus discovers by (for example prod)."
  type        = string
}

variable "tier" {
  description = "Tier this group of instances serves: web or app. Becomes the tierstack:tier tag."
  type        = string

  validation {
    condition     = contains(["web", "app"], var.tier)
    error_message = "The tier must be web or app."
  }
}

variable "subnet_ids" {
  description = "Private subnets, one per zone, the Auto Scaling group spreads over."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the instances."
  type        = list(string)
}

variable "target_group_arns" {
  description = "Load balancer target groups the instances register in; their health checks gate rollouts."
  type        = list(string)
  default     = []
}

variable "ami_id" {
  description = "AMI of the instances; null picks the newest official Debian 12 amd64 image."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type of the tier."
  type        = string
  default     = "t3.small"
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume in GiB."
  type        = number
  default     = 16
}

variable "min_size" {
  description = "Minimum number of instances (keep at least one per zone)."
  type        = number
  default     = 2
}

variable "max_size" {
  description = "Maximum number of instances."
  type        = number
  default     = 4
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation the target-tracking scaling policy holds the tier at."
  type        = number
  default     = 60
}

variable "artifact_bucket" {
  description = "Name of the S3 bucket holding the release packages (built by the pipeline's Package stage)."
  type        = string
}

variable "artifact_prefix" {
  description = "Key prefix under which each release's .deb files and their SHA256SUMS manifest live, as <prefix>/<release_version>/."
  type        = string
  default     = "releases"
}

variable "release_version" {
  description = "Release to install (the commit the pipeline uploaded the packages under); changing it creates a new launch template version and starts an instance refresh."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.release_version))
    error_message = "The release version is one S3 key segment: letters, digits, '.', '_' and '-'."
  }
}

variable "packages" {
  description = "Names of the tierstack .deb packages to install from the release (for example tierstack-shop)."
  type        = list(string)
}

variable "services" {
  description = "systemd units to enable and start once the packages are installed (for example tierstack-shop)."
  type        = list(string)
}

variable "runtime_environment" {
  description = "Non-secret settings written to /etc/tierstack/runtime.env for every service (database host, upstream addresses)."
  type        = map(string)
  default     = {}
}

variable "fetched_environment" {
  description = "Secrets Manager secrets read at every boot into /run/tierstack/secrets.env: secret ARN and a map from environment variable to JSON key of the secret (\"\" for the whole secret string)."
  type = map(object({
    secret_arn = string
    keys       = map(string)
  }))
  default = {}
}

variable "database_bootstrap" {
  description = "When set, a root-only boot-time unit creates (or updates) one PostgreSQL login role per app with the master credentials, each owning only the schema of its own name, before the services start; the master secret is read only by that unit, never into the services' environment. master_secret_arn: the master secret (JSON username, password, host, port, dbname); roles: role name => its secret (JSON username, password)."
  type = object({
    master_secret_arn = string
    roles             = map(string)
  })
  default = null
}

variable "instance_refresh_min_healthy_percentage" {
  description = "Share of the tier that stays in service during an instance refresh."
  type        = number
  default     = 100
}

variable "instance_refresh_max_healthy_percentage" {
  description = "Upper bound on capacity during an instance refresh; above 100 new instances start before old ones stop."
  type        = number
  default     = 150
}

variable "health_check_grace_period" {
  description = "Seconds after launch before failing load balancer health checks replace an instance."
  type        = number
  default     = 300
}
