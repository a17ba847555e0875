# An internet-facing ALB (TLS terminated here, HTTP redirected to HTTPS)
# forwarding to the web tier, and an internal ALB through which the web
# tier's nginx reaches every healthy instance of each app (no per-zone
# pinning). Every target group is health-checked on /readyz, which is what
# gates a rolling deploy.
#
# Both load balancers append the address they received a request from to
# X-Forwarded-For (xff_header_processing_mode "append", without the port):
# the apps count these entries from the right to find the client
# (<APP>_TRUST_PROXY_HOPS in envs/prod), so the mode is spelled out here and
# checked by tests/policy. Both write access logs to the encrypted log
# bucket.

resource "aws_lb" "public" {
  name                       = "${var.name}-public"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [var.lb_security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60
  xff_header_processing_mode = "append"
  enable_xff_client_port     = false

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb/public"
    enabled = true
  }
}

resource "aws_lb_target_group" "web" {
  name                 = "${var.name}-web"
  vpc_id               = var.vpc_id
  port                 = var.web_port
  protocol             = "HTTP"
  target_type          = "instance"
  deregistration_delay = var.deregistration_delay

  health_check {
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# TLS ends here, so this listener is where HSTS belongs: the ALB adds the
# Strict-Transport-Security header to the responses it sends over HTTPS
# (header modification of the listener), for every target behind it. The
# HTTP listener only redirects, and browsers ignore HSTS over plain HTTP.
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  routing_http_response_strict_transport_security_header_value = var.hsts_header_value

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

# Host names of the other sites the web tier serves (the microblog): an
# explicit rule per site forwards them to the web tier, whose nginx picks
# the app by server_name. Everything else takes the default action (the
# shop, also through the web tier).
resource "aws_lb_listener_rule" "web_host" {
  for_each = var.web_host_names

  listener_arn = aws_lb_listener.https.arn
  priority     = 100 + index(sort(keys(var.web_host_names)), each.key)

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  condition {
    host_header {
      values = each.value
    }
  }

  tags = {
    Name = "${var.name}-${each.key}"
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# --- internal load balancer of the app tier -------------------------------------

resource "aws_lb" "internal" {
  name                       = "${var.name}-app"
  load_balancer_type         = "application"
  internal                   = true
  subnets                    = var.private_subnet_ids
  security_groups            = [var.app_lb_security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  xff_header_processing_mode = "append"
  enable_xff_client_port     = false

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb/internal"
    enabled = true
  }
}

resource "aws_lb_target_group" "app" {
  for_each = var.app_ports

  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  port                 = each.value
  protocol             = "HTTP"
  target_type          = "instance"
  deregistration_delay = var.deregistration_delay

  health_check {
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Plain HTTP inside the VPC: only the web tier's security group can reach
# these listeners.
resource "aws_lb_listener" "app" {
  for_each = var.app_ports

  load_balancer_arn = aws_lb.internal.arn
  port              = each.value
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app[each.key].arn
  }
}
