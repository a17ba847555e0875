output "lb_security_group_id" {
  description = "Security group of the public load balancer."
  value       = aws_security_group.lb.id
}

output "web_security_group_id" {
  description = "Security group of the web tier instances."
  value       = aws_security_group.web.id
}

output "app_lb_security_group_id" {
  description = "Security group of the internal load balancer in front of the app tier."
  value       = aws_security_group.app_lb.id
}

output "app_security_group_id" {
  description = "Security group of the app tier instances."
  value       = aws_security_group.app.id
}

output "db_security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "monitoring_security_group_id" {
  description = "Security group of the monitoring instance."
  value       = aws_security_group.monitoring.id
}
