# RDS PostgreSQL in the private subnets: encrypted, never public, TLS
# enforced, Multi-AZ standby by default. The master password is generated here
# and kept in Secrets Manager; it is never an output and never reaches user
# data (instances read the secret at boot with their own IAM role).
#
# The services never connect as the master user: each app has its own login
# role (generated password, own secret) that owns only the schema of its
# name. The master credentials are used by the app tier's boot-time
# bootstrap alone (modules/compute, database_bootstrap), which creates those
# roles and schemas.

# Durability (docs/operations-aws.md, "Restoring the database"): automated
# backups with point-in-time recovery for backup_retention_days (at least 7),
# kept after the instance is deleted; a final snapshot on deletion; deletion
# protection; optionally the automated backups copied to a second region.
# A restore is variable-driven: `restore` names the source (a point in time of
# an instance or of its retained backups, or a snapshot) and `identifier` the
# new instance, which must differ from the source so the damaged instance is
# never overwritten; no plan can delete or replace the live instance
# (prevent_destroy), and the apps follow the new instance's address.

locals {
  family     = "postgres${split(".", var.engine_version)[0]}"
  identifier = coalesce(var.identifier, var.name)

  # A snapshot restore and a point-in-time restore exclude each other (the
  # restore variable's validation makes sure only one is given).
  restore_snapshot = var.restore == null ? null : var.restore.snapshot_identifier
  restore_pitr     = var.restore == null ? [] : var.restore.snapshot_identifier == null ? [var.restore] : []
}

resource "random_password" "master" {
  length      = 40
  special     = true
  min_upper   = 2
  min_lower   = 2
  min_numeric = 2
  # RDS forbids / @ " and space; quotes, backslash and $ are left out so the
  # value is safe in a systemd environment file.
  override_special = "!#%^*()-_=+[]{}<>:?."
}

resource "aws_db_subnet_group" "this" {
  name        = "${var.name}-db"
  description = "Private subnets of the tierstack database"
  subnet_ids  = var.private_subnet_ids
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = local.family
  description = "tierstack PostgreSQL settings"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name  = var.database_name
  username = var.master_username
  password = random_password.master.result
  port     = 5432

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [var.security_group_id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  # Automated backups: a daily snapshot plus the transaction logs (uploaded
  # every 5 minutes), so any second of the retention period can be restored.
  # They outlive the instance (delete_automated_backups = false): a deleted
  # database stays restorable to its last moments for the retention period.
  backup_retention_period   = var.backup_retention_days
  backup_window             = var.backup_window
  delete_automated_backups  = false
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.identifier}-final"

  # Set only when restoring (var.restore): the new instance starts from this
  # snapshot or point in time instead of empty.
  snapshot_identifier = local.restore_snapshot

  dynamic "restore_to_point_in_time" {
    for_each = local.restore_pitr
    content {
      source_db_instance_identifier            = restore_to_point_in_time.value.source_db_instance_identifier
      source_dbi_resource_id                   = restore_to_point_in_time.value.source_dbi_resource_id
      source_db_instance_automated_backups_arn = restore_to_point_in_time.value.source_db_instance_automated_backups_arn
      restore_time                             = restore_to_point_in_time.value.restore_time
      use_latest_restorable_time               = restore_to_point_in_time.value.use_latest_restorable_time
    }
  }

  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  apply_immediately                   = false

  lifecycle {
    # No plan may delete or replace the live database, whatever a variable
    # says: a restore first detaches the damaged instance from the state
    # (`terraform state rm`, it keeps running), then creates the restored
    # one beside it under a new identifier (docs/operations-aws.md).
    # Tearing the environment down is a deliberate code change here.
    prevent_destroy = true

    precondition {
      condition     = var.restore == null || (var.identifier != null && local.identifier != var.name && local.identifier != try(var.restore.source_db_instance_identifier, null))
      error_message = "A restore goes into a new instance: set identifier to a name other than the live instance's (var.name) and the restore source's, e.g. \"<name>-r1\"."
    }

    precondition {
      condition     = local.identifier == var.name || var.restore != null
      error_message = "identifier differs from the original instance's name, so this is a restored instance: keep the restore variables that made it (a new identifier without a restore source would be an empty database)."
    }
  }
}

# --- cross-region copies of the automated backups ----------------------------------
#
# With backup_replication_enabled the snapshots and transaction logs are also
# kept in the region of the aws.backup_replica provider, encrypted with a KMS
# key of that region (RDS cannot use a key from the source region there), so a
# region outage still leaves a restorable point in time.

data "aws_region" "current" {}

data "aws_region" "backup_replica" {
  count    = var.backup_replication_enabled ? 1 : 0
  provider = aws.backup_replica
}

resource "aws_kms_key" "backup_replica" {
  count    = var.backup_replication_enabled && var.backup_replication_kms_key_arn == null ? 1 : 0
  provider = aws.backup_replica

  description             = "Replicated automated backups of the ${var.name} database"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_db_instance_automated_backups_replication" "this" {
  count    = var.backup_replication_enabled ? 1 : 0
  provider = aws.backup_replica

  source_db_instance_arn = aws_db_instance.this.arn
  kms_key_id             = var.backup_replication_kms_key_arn != null ? var.backup_replication_kms_key_arn : aws_kms_key.backup_replica[0].arn
  retention_period       = var.backup_replication_retention_days

  lifecycle {
    precondition {
      condition     = data.aws_region.backup_replica[0].name != data.aws_region.current.name
      error_message = "The aws.backup_replica provider must point at another region than the database's: a copy in the same region does not survive a region outage."
    }
  }
}

resource "aws_secretsmanager_secret" "master" {
  name_prefix             = "${var.name}/database/master-"
  description             = "Master credentials and endpoint of the tierstack database"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "master" {
  secret_id = aws_secretsmanager_secret.master.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.this.address
    port     = aws_db_instance.this.port
    dbname   = var.database_name
    username = var.master_username
    password = random_password.master.result
  })
}

# --- one login role per app -------------------------------------------------------

resource "random_password" "app" {
  for_each = toset(var.app_roles)

  # Letters and digits only: the value goes through psql variables and a
  # systemd environment file unchanged.
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  for_each = toset(var.app_roles)

  name_prefix             = "${var.name}/database/${each.key}-"
  description             = "Login role of the ${each.key} service in the tierstack database (owns only the schema ${each.key})"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app" {
  for_each = toset(var.app_roles)

  secret_id = aws_secretsmanager_secret.app[each.key].id
  secret_string = jsonencode({
    username = each.key
    password = random_password.app[each.key].result
  })
}
