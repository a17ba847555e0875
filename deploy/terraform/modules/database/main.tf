# RDS PostgreSQL in the private subnets: encrypted, never public, TLS
# enforced, optional Multi-AZ standby. The master password is generated here
# and kept in Secrets Manager; it is never an output and never reaches user
# data (instances read the secret at boot with their own IAM role).
#
# The services never connect as the master user: each app has its own login
# role (generated password, own secret) that owns only the schema of its
# name. The master credentials are used by the app tier's boot-time
# bootstrap alone (modules/compute, database_bootstrap), which creates those
# roles and schemas.

locals {
  family = "postgres${split(".", var.engine_version)[0]}"
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
  identifier     = var.name
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

  backup_retention_period             = var.backup_retention_days
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${var.name}-final"
  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  apply_immediately                   = false
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
