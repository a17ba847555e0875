output "address" {
  description = "Host name of the database endpoint."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database endpoint."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the application database."
  value       = var.database_name
}

output "master_secret_arn" {
  description = "ARN of the Secrets Manager secret with the master credentials (JSON: username, password, host, port, dbname), for the role bootstrap and operators only; no service connects with them. The password itself is never an output."
  value       = aws_secretsmanager_secret.master.arn

  depends_on = [aws_secretsmanager_secret_version.master]
}

output "app_role_secret_arns" {
  description = "ARN of each app's login role secret (JSON: username, password), by role name."
  value       = { for k, s in aws_secretsmanager_secret.app : k => s.arn }

  depends_on = [aws_secretsmanager_secret_version.app]
}

output "instance_id" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}

output "resource_id" {
  description = "DbiResourceId of the RDS instance: what a point-in-time restore names (source_dbi_resource_id) once the instance itself is gone."
  value       = aws_db_instance.this.resource_id
}

output "backup_replication_arn" {
  description = "ARN of the automated backups replicated to the backup replica region (null while replication is off); a restore there names it as source_db_instance_automated_backups_arn."
  value       = one(aws_db_instance_automated_backups_replication.this[*].id)
}
