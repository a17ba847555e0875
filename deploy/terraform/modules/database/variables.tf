variable "name" {
  description = "Identifier prefix of the database instance and its companions."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets, one per zone, of the database subnet group."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the database (PostgreSQL from the app tier only)."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major version (the parameter group family follows it)."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Ceiling in GiB for storage autoscaling."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "Run a synchronous standby in the other zone (doubles the instance cost, survives a zone outage)."
  type        = bool
  default     = false
}

variable "database_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "tierstack"
}

variable "master_username" {
  description = "Master user name (not secret; the password is generated)."
  type        = string
  default     = "tierstack"
}

variable "backup_retention_days" {
  description = "Days of automated backups and point-in-time recovery."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to delete the database (turn off only to tear the environment down)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key for storage and secret encryption; null uses the AWS managed keys."
  type        = string
  default     = null
}

variable "app_roles" {
  description = "Login roles to create, one per app (for example shop); each owns only the schema of its own name, and its credentials get their own secret."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.app_roles : can(regex("^[a-z][a-z0-9_]{0,30}$", r))])
    error_message = "Role names are lower-case letters, digits and underscores, starting with a letter (they are also schema names)."
  }
}
