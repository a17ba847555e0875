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

output "secret_arn" {
  description = "ARN of the Secrets Manager secret with the credentials (JSON: username, password, host, port, dbname). The password itself is never an output."
  value       = aws_secretsmanager_secret.master.arn
}

output "instance_id" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}
