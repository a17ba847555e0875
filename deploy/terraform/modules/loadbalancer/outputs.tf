output "public_dns_name" {
  description = "DNS name of the internet-facing load balancer (point the site's DNS record at it)."
  value       = aws_lb.public.dns_name
}

output "public_zone_id" {
  description = "Route 53 hosted zone ID of the internet-facing load balancer, for an alias record."
  value       = aws_lb.public.zone_id
}

output "web_target_group_arn" {
  description = "Target group of the web tier."
  value       = aws_lb_target_group.web.arn
}

output "app_target_group_arns" {
  description = "Target group of each app service, by app name."
  value       = { for k, tg in aws_lb_target_group.app : k => tg.arn }
}

output "internal_dns_name" {
  description = "DNS name of the internal load balancer the web tier proxies to."
  value       = aws_lb.internal.dns_name
}

output "app_upstreams" {
  description = "Base URL of each app service through the internal load balancer, by app name."
  value       = { for k, port in var.app_ports : k => "http://${aws_lb.internal.dns_name}:${port}" }
}
