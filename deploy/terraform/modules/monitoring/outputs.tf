output "instance_id" {
  description = "ID of the monitoring instance (target of the SSM port-forwarding session to Grafana)."
  value       = aws_instance.this.id
}

output "private_ip" {
  description = "Private IP of the monitoring instance."
  value       = aws_instance.this.private_ip
}

output "grafana_admin_secret_arn" {
  description = "ARN of the Secrets Manager secret with Grafana's admin password (the password is never an output)."
  value       = aws_secretsmanager_secret.grafana_admin.arn
}
