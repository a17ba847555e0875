output "site_dns_name" {
  description = "DNS name of the public load balancer; point the site's CNAME or alias record at it."
  value       = module.loadbalancer.public_dns_name
}

output "site_zone_id" {
  description = "Hosted zone ID of the public load balancer, for a Route 53 alias record."
  value       = module.loadbalancer.public_zone_id
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "autoscaling_group_names" {
  description = "Auto Scaling group of each tier; the pipeline waits on their instance refreshes."
  value = {
    web = module.web_tier.autoscaling_group_name
    app = module.app_tier.autoscaling_group_name
  }
}

output "database_address" {
  description = "Host name of the PostgreSQL endpoint."
  value       = module.database.address
}

output "database_identifier" {
  description = "RDS identifier of the serving database instance (changes after a restore)."
  value       = module.database.instance_id
}

output "database_resource_id" {
  description = "DbiResourceId of the serving database: the restore source (source_dbi_resource_id) of its retained backups if the instance is deleted. Note it down."
  value       = module.database.resource_id
}

output "database_backup_replication_arn" {
  description = "ARN of the database's automated backups replicated to db_backup_replica_region (null while replication is off)."
  value       = module.database.backup_replication_arn
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the database master credentials, for operators and the role bootstrap only (read it with the AWS CLI; the password is never an output). The apps use their own roles."
  value       = module.database.master_secret_arn
}

output "monitoring_instance_id" {
  description = "Instance to open an SSM port-forwarding session to for Grafana (port 3000)."
  value       = module.monitoring.instance_id
}

output "grafana_admin_secret_arn" {
  description = "Secrets Manager secret with Grafana's admin password."
  value       = module.monitoring.grafana_admin_secret_arn
}

output "stripe_secret_arn" {
  description = "Secret to put the shop's Stripe secret key into (null unless shop_payment_gateway is stripe)."
  value       = one(aws_secretsmanager_secret.stripe[*].arn)
}

output "log_bucket" {
  description = "Bucket holding the load balancers' access logs (alb/) and the VPC flow logs (vpc-flow-logs/)."
  value       = module.logs.bucket_name
}
