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
  description = "Run a synchronous standby in the other zone (doubles the instance cost; RDS fails over to it in typically 60-120 s when the primary or its zone fails)."
  type        = bool
  default     = true
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
  description = "Days of automated backups and point-in-time recovery (7 to 35); the backups are kept this long after the instance is deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "Keep between 7 and 35 days (whole days) of automated backups: fewer leaves too little time to notice a bad write and restore from before it."
  }
}

variable "backup_window" {
  description = "Daily UTC window (hh24:mi-hh24:mi, at least 30 minutes) of the automated snapshot; point-in-time recovery covers the time in between."
  type        = string
  default     = "03:00-03:30"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "The backup window is hh24:mi-hh24:mi in UTC, for example 03:00-03:30."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database (turn off only to tear the environment down, or to let go of an instance a restore replaced)."
  type        = bool
  default     = true
}

variable "identifier" {
  description = "RDS identifier of the instance; null keeps name. Set it, with restore, to restore into a new instance (it must differ from the live instance's and the restore source's), and keep both set afterwards: they describe where this instance came from."
  type        = string
  default     = null

  validation {
    condition     = var.identifier == null || can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.identifier)) && length(coalesce(var.identifier, "x")) <= 58
    error_message = "An RDS identifier is lower-case letters, digits and single hyphens, starts with a letter, and is at most 58 characters here (the final snapshot appends \"-final\")."
  }
}

variable "restore" {
  description = "Restore source of the instance, or null for a new, empty database. Either snapshot_identifier, or a point-in-time restore: one of source_db_instance_identifier (a live instance), source_dbi_resource_id (the retained backups of a deleted one) or source_db_instance_automated_backups_arn (retained or replicated backups), with restore_time (RFC 3339, UTC) or use_latest_restorable_time = true. Needs a new identifier; see docs/operations-aws.md."
  type = object({
    snapshot_identifier                      = optional(string)
    source_db_instance_identifier            = optional(string)
    source_dbi_resource_id                   = optional(string)
    source_db_instance_automated_backups_arn = optional(string)
    restore_time                             = optional(string)
    use_latest_restorable_time               = optional(bool)
  })
  default = null

  validation {
    condition = var.restore == null || try(
      var.restore.snapshot_identifier != null
      ? (var.restore.source_db_instance_identifier == null && var.restore.source_dbi_resource_id == null && var.restore.source_db_instance_automated_backups_arn == null && var.restore.restore_time == null && var.restore.use_latest_restorable_time == null)
      : (length(compact([var.restore.source_db_instance_identifier, var.restore.source_dbi_resource_id, var.restore.source_db_instance_automated_backups_arn])) == 1 && (var.restore.restore_time != null) != (var.restore.use_latest_restorable_time == true)),
      false
    )
    error_message = "Give either snapshot_identifier alone, or exactly one point-in-time source (source_db_instance_identifier, source_dbi_resource_id or source_db_instance_automated_backups_arn) with exactly one of restore_time and use_latest_restorable_time = true."
  }

  validation {
    condition     = try(var.restore.restore_time, null) == null || can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", try(var.restore.restore_time, "")))
    error_message = "restore_time is an RFC 3339 UTC time such as 2026-12-07T14:01:00Z."
  }
}

variable "backup_replication_enabled" {
  description = "Also keep the automated backups (snapshots and transaction logs) in the region of the aws.backup_replica provider, for a restore when the database's region is down."
  type        = bool
  default     = false
}

variable "backup_replication_kms_key_arn" {
  description = "KMS key in the backup replica region that encrypts the replicated backups; null creates one there (with rotation)."
  type        = string
  default     = null
}

variable "backup_replication_retention_days" {
  description = "Days the replicated backups cover (7 to 35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_replication_retention_days >= 7 && var.backup_replication_retention_days <= 35
    error_message = "Keep between 7 and 35 days of replicated backups."
  }
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
