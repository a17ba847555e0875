# One security group per tier. Traffic flows only along the chain
#   internet -> lb -> web -> app_lb -> app -> db
# plus monitoring -> (web, app) on the exporter and metrics ports.
# No group accepts SSH: operators use SSM Session Manager.
# Egress to the internet is limited to HTTP/HTTPS (Debian mirrors, SSM,
# S3, Secrets Manager endpoints).

locals {
  # Targets for instance egress to the internet, by port.
  internet_egress_ports = {
    http  = 80
    https = 443
  }
}

resource "aws_security_group" "lb" {
  name        = "${var.name}-lb"
  description = "Public application load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-lb"
    "tierstack:tier" = "lb"
  }
}

resource "aws_security_group" "web" {
  name        = "${var.name}-web"
  description = "Web tier (nginx): only from the public load balancer"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-web"
    "tierstack:tier" = "web"
  }
}

resource "aws_security_group" "app_lb" {
  name        = "${var.name}-app-lb"
  description = "Internal load balancer of the app tier: only from the web tier"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-app-lb"
    "tierstack:tier" = "app-lb"
  }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "App tier (shop, microblog): from the internal load balancer, metrics from monitoring"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-app"
    "tierstack:tier" = "app"
  }
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL: only from the app tier"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-db"
    "tierstack:tier" = "db"
  }
}

resource "aws_security_group" "monitoring" {
  name        = "${var.name}-monitoring"
  description = "Prometheus and Grafana: no inbound (reach Grafana through SSM port forwarding)"
  vpc_id      = var.vpc_id

  tags = {
    Name             = "${var.name}-monitoring"
    "tierstack:tier" = "monitoring"
  }
}

# --- load balancer -----------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "lb_http" {
  security_group_id = aws_security_group.lb.id
  description       = "HTTP from anywhere (redirected to HTTPS)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_ingress_rule" "lb_https" {
  security_group_id = aws_security_group.lb.id
  description       = "HTTPS from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "lb_to_web" {
  security_group_id            = aws_security_group.lb.id
  description                  = "To nginx in the web tier"
  referenced_security_group_id = aws_security_group.web.id
  ip_protocol                  = "tcp"
  from_port                    = var.web_port
  to_port                      = var.web_port
}

# --- web tier ------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "web_from_lb" {
  security_group_id            = aws_security_group.web.id
  description                  = "nginx from the public load balancer"
  referenced_security_group_id = aws_security_group.lb.id
  ip_protocol                  = "tcp"
  from_port                    = var.web_port
  to_port                      = var.web_port
}

resource "aws_vpc_security_group_ingress_rule" "web_node_exporter" {
  security_group_id            = aws_security_group.web.id
  description                  = "node exporter from monitoring"
  referenced_security_group_id = aws_security_group.monitoring.id
  ip_protocol                  = "tcp"
  from_port                    = var.node_exporter_port
  to_port                      = var.node_exporter_port
}

resource "aws_vpc_security_group_egress_rule" "web_to_app_lb" {
  for_each = var.app_ports

  security_group_id            = aws_security_group.web.id
  description                  = "To the internal load balancer, ${each.key}"
  referenced_security_group_id = aws_security_group.app_lb.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "web_internet" {
  for_each = local.internet_egress_ports

  security_group_id = aws_security_group.web.id
  description       = "Packages, SSM, S3 (${each.key})"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}

# --- internal load balancer of the app tier -------------------------------------

resource "aws_vpc_security_group_ingress_rule" "app_lb_from_web" {
  for_each = var.app_ports

  security_group_id            = aws_security_group.app_lb.id
  description                  = "${each.key} from the web tier"
  referenced_security_group_id = aws_security_group.web.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "app_lb_to_app" {
  for_each = var.app_ports

  security_group_id            = aws_security_group.app_lb.id
  description                  = "To ${each.key} in the app tier"
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

# --- app tier ------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "app_from_app_lb" {
  for_each = var.app_ports

  security_group_id            = aws_security_group.app.id
  description                  = "${each.key} from the internal load balancer"
  referenced_security_group_id = aws_security_group.app_lb.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_metrics" {
  for_each = var.metrics_ports

  security_group_id            = aws_security_group.app.id
  description                  = "${each.key} /metrics from monitoring"
  referenced_security_group_id = aws_security_group.monitoring.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_node_exporter" {
  security_group_id            = aws_security_group.app.id
  description                  = "node exporter from monitoring"
  referenced_security_group_id = aws_security_group.monitoring.id
  ip_protocol                  = "tcp"
  from_port                    = var.node_exporter_port
  to_port                      = var.node_exporter_port
}

resource "aws_vpc_security_group_egress_rule" "app_to_db" {
  security_group_id            = aws_security_group.app.id
  description                  = "To PostgreSQL"
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}

resource "aws_vpc_security_group_egress_rule" "app_internet" {
  for_each = local.internet_egress_ports

  security_group_id = aws_security_group.app.id
  description       = "Packages, SSM, S3, Secrets Manager (${each.key})"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}

# --- database ------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the app tier"
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}

# --- monitoring ----------------------------------------------------------------

resource "aws_vpc_security_group_egress_rule" "monitoring_app_metrics" {
  for_each = var.metrics_ports

  security_group_id            = aws_security_group.monitoring.id
  description                  = "Scrape ${each.key} /metrics"
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "monitoring_node_exporter" {
  for_each = {
    web = aws_security_group.web.id
    app = aws_security_group.app.id
  }

  security_group_id            = aws_security_group.monitoring.id
  description                  = "Scrape node exporter, ${each.key} tier"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = var.node_exporter_port
  to_port                      = var.node_exporter_port
}

resource "aws_vpc_security_group_egress_rule" "monitoring_internet" {
  for_each = local.internet_egress_ports

  security_group_id = aws_security_group.monitoring.id
  description       = "Packages, SSM, S3, EC2 API (${each.key})"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}
