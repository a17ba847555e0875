# The production environment: every tier wired from the outputs of the
# tier below it. Ports are defined once here and handed to every module
# that needs them.

locals {
  name = "tierstack-${var.environment}"

  web_port           = 8080
  node_exporter_port = 9100
  app_ports = {
    shop      = 8000
    microblog = 8001
  }
  metrics_ports = {
    shop      = 9180
    microblog = 9181
  }

  # The proxies in front of the apps, in request order, and whether each
  # appends to X-Forwarded-For the address it received the request from: the
  # public ALB appends the client's (xff_header_processing_mode "append"),
  # the web tier's nginx the public ALB's ($proxy_add_x_forwarded_for in
  # deploy/nginx/proxy.conf), the internal ALB the web instance's. The app's
  # own peer is the internal ALB, so the client is the entry this many
  # places from the right; anything further left was sent by the client and
  # is never trusted. tests/policy checks this count against the
  # configuration of each hop.
  proxy_chain        = ["public-alb", "web-nginx", "internal-alb"]
  trusted_proxy_hops = length(local.proxy_chain)
}

# What the app tier reads from Secrets Manager at boot: each app's login
# role and session key, and the Stripe key when the shop charges through
# Stripe. The database master secret is not among them: only the database
# bootstrap reads it (database_bootstrap below).
locals {
  app_tier_secrets = {
    shop_database = {
      secret_arn = module.database.app_role_secret_arns["shop"]
      keys = {
        TIERSTACK_SHOP_DB_USER     = "username"
        TIERSTACK_SHOP_DB_PASSWORD = "password"
      }
    }
    microblog_database = {
      secret_arn = module.database.app_role_secret_arns["microblog"]
      keys = {
        TIERSTACK_MICROBLOG_DB_USER     = "username"
        TIERSTACK_MICROBLOG_DB_PASSWORD = "password"
      }
    }
    shop = {
      secret_arn = aws_secretsmanager_secret.app["shop"].arn
      keys = {
        TIERSTACK_SHOP_SECRET_KEY = ""
      }
    }
    microblog = {
      secret_arn = aws_secretsmanager_secret.app["microblog"].arn
      keys = {
        TIERSTACK_MICROBLOG_SECRET_KEY = ""
      }
    }
  }

  stripe_secrets = {
    for s in aws_secretsmanager_secret.stripe : "stripe" => {
      secret_arn = s.arn
      keys = {
        SHOP_STRIPE_SECRET_KEY = ""
      }
    }
  }
}

# Precondition of the whole environment: production takes real payments
# unless the operator says, for this environment, that the sandbox is meant.
resource "terraform_data" "payment_mode" {
  input = var.shop_payment_gateway

  lifecycle {
    precondition {
      condition     = var.shop_payment_gateway != "sandbox" || var.shop_allow_sandbox
      error_message = "shop_payment_gateway = \"sandbox\" takes orders as paid without charging anyone; set shop_allow_sandbox = true only for a test environment."
    }
  }
}

# The artifact bucket exists before anything reads from it: the instances and
# the monitoring configuration take its name from this module's output.
module "artifacts" {
  source = "../../modules/artifacts"

  bucket_name = var.artifact_bucket
}

# Load balancer access logs and VPC flow logs (SSE-S3, TLS only, expiring).
module "logs" {
  source = "../../modules/logs"

  name           = local.name
  retention_days = var.log_retention_days
}

module "network" {
  source = "../../modules/network"

  name                 = local.name
  vpc_cidr             = var.vpc_cidr
  availability_zones   = var.availability_zones
  single_nat_gateway   = var.single_nat_gateway
  flow_logs_bucket_arn = module.logs.bucket_arn
}

module "security" {
  source = "../../modules/security"

  name               = local.name
  vpc_id             = module.network.vpc_id
  web_port           = local.web_port
  app_ports          = local.app_ports
  metrics_ports      = local.metrics_ports
  node_exporter_port = local.node_exporter_port
}

module "loadbalancer" {
  source = "../../modules/loadbalancer"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  public_subnet_ids        = module.network.public_subnet_ids
  private_subnet_ids       = module.network.private_subnet_ids
  lb_security_group_id     = module.security.lb_security_group_id
  app_lb_security_group_id = module.security.app_lb_security_group_id
  certificate_arn          = var.certificate_arn
  web_port                 = local.web_port
  app_ports                = local.app_ports
  web_host_names           = { microblog = split(" ", var.microblog_server_name) }
  deletion_protection      = var.deletion_protection
  hsts_header_value        = var.hsts_header_value
  access_logs_bucket       = module.logs.bucket_name
}

# The database's durability settings are all variables of the environment:
# Multi-AZ, backup retention, deletion protection, cross-region copies of the
# backups, and the restore (db_identifier + db_restore, the runbook in
# docs/operations-aws.md). The app tier follows module.database.address, so a
# restored instance is picked up by the same apply's instance refresh.
module "database" {
  source = "../../modules/database"

  providers = {
    aws                = aws
    aws.backup_replica = aws.backup_replica
  }

  name                              = local.name
  private_subnet_ids                = module.network.private_subnet_ids
  security_group_id                 = module.security.db_security_group_id
  instance_class                    = var.db_instance_class
  allocated_storage                 = var.db_allocated_storage
  multi_az                          = var.db_multi_az
  deletion_protection               = var.deletion_protection
  backup_retention_days             = var.db_backup_retention_days
  backup_replication_enabled        = var.db_backup_replication_enabled
  backup_replication_retention_days = var.db_backup_retention_days
  identifier                        = var.db_identifier
  restore                           = var.db_restore
  app_roles                         = keys(local.app_ports)
}

# Per-app secrets (session signing keys); generated once, read at boot.
resource "random_password" "app_secret" {
  for_each = local.app_ports

  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  for_each = local.app_ports

  name_prefix             = "${local.name}/${each.key}/secret-key-"
  description             = "Session signing key of the ${each.key} service"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app" {
  for_each = local.app_ports

  secret_id     = aws_secretsmanager_secret.app[each.key].id
  secret_string = random_password.app_secret[each.key].result
}

# The card processor's secret key, when the shop charges through Stripe.
# Terraform creates the empty secret (readable only by the app tier); the
# operator puts the key in once (docs/operations-aws.md), so it never passes
# through Terraform's state.
resource "aws_secretsmanager_secret" "stripe" {
  count = var.shop_payment_gateway == "stripe" ? 1 : 0

  name_prefix             = "${local.name}/shop/stripe-secret-key-"
  description             = "Stripe secret key of the shop (set by the operator)"
  recovery_window_in_days = 7
}

module "app_tier" {
  source = "../../modules/compute"

  name               = "${local.name}-app"
  environment        = var.environment
  tier               = "app"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.security.app_security_group_id]
  target_group_arns  = values(module.loadbalancer.app_target_group_arns)
  instance_type      = var.app_instance_type
  min_size           = var.app_min_size
  max_size           = var.app_max_size
  artifact_bucket    = module.artifacts.bucket_name
  release_version    = var.release_version
  packages           = ["tierstack-shop", "tierstack-microblog"]
  services           = ["tierstack-shop", "tierstack-microblog"]

  # libpq reads the PG* variables itself. Each app logs in as its own role
  # (TIERSTACK_<APP>_DB_USER/_PASSWORD from its role secret, mapped to
  # PGUSER/PGPASSWORD by the unit's launcher); the roles and their schemas
  # are made by the boot-time database bootstrap, the only reader of the
  # master secret. The microblog builds absolute links (password reset mail)
  # from the first of its host names and sets Secure cookies: the site is
  # HTTPS only. The shop's payment mode is the environment's required
  # choice.
  runtime_environment = {
    PGHOST                           = module.database.address
    PGPORT                           = tostring(module.database.port)
    PGDATABASE                       = module.database.database_name
    PGSSLMODE                        = "require"
    TIERSTACK_DB                     = "postgres"
    TIERSTACK_SHOP_PORT              = tostring(local.app_ports["shop"])
    TIERSTACK_MICROBLOG_PORT         = tostring(local.app_ports["microblog"])
    TIERSTACK_SHOP_METRICS_PORT      = tostring(local.metrics_ports["shop"])
    TIERSTACK_MICROBLOG_METRICS_PORT = tostring(local.metrics_ports["microblog"])
    SHOP_TRUST_PROXY_HOPS            = tostring(local.trusted_proxy_hops)
    MICROBLOG_TRUST_PROXY_HOPS       = tostring(local.trusted_proxy_hops)
    SHOP_PAYMENT_GATEWAY             = var.shop_payment_gateway
    SHOP_ALLOW_SANDBOX               = tostring(var.shop_allow_sandbox)
    MICROBLOG_PUBLIC_URL             = "https://${split(" ", var.microblog_server_name)[0]}"
    MICROBLOG_SECURE_COOKIES         = "true"
  }

  fetched_environment = merge(local.app_tier_secrets, local.stripe_secrets)

  database_bootstrap = {
    master_secret_arn = module.database.master_secret_arn
    roles             = module.database.app_role_secret_arns
  }

  depends_on = [aws_secretsmanager_secret_version.app, terraform_data.payment_mode]
}

module "web_tier" {
  source = "../../modules/compute"

  name               = "${local.name}-web"
  environment        = var.environment
  tier               = "web"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.security.web_security_group_id]
  target_group_arns  = [module.loadbalancer.web_target_group_arn]
  instance_type      = var.web_instance_type
  min_size           = var.web_min_size
  max_size           = var.web_max_size
  artifact_bucket    = module.artifacts.bucket_name
  release_version    = var.release_version
  packages           = ["tierstack-web"]
  services           = ["tierstack-web"]

  # nginx proxies to every healthy app instance through the internal load
  # balancer; the addresses come from its outputs, never from patched files.
  # The microblog's host names get their own nginx server block (the
  # renderer in the tierstack-web package); every other host is the shop.
  runtime_environment = {
    TIERSTACK_WEB_PORT              = tostring(local.web_port)
    TIERSTACK_SHOP_UPSTREAM         = module.loadbalancer.app_upstreams["shop"]
    TIERSTACK_MICROBLOG_UPSTREAM    = module.loadbalancer.app_upstreams["microblog"]
    TIERSTACK_MICROBLOG_SERVER_NAME = var.microblog_server_name
  }
}

module "monitoring" {
  source = "../../modules/monitoring"

  name               = local.name
  environment        = var.environment
  subnet_id          = module.network.private_subnet_ids[0]
  security_group_id  = module.security.monitoring_security_group_id
  instance_type      = var.monitoring_instance_type
  config_bucket      = module.artifacts.bucket_name
  prometheus_dir     = "${path.root}/../../../prometheus"
  grafana_dir        = "${path.root}/../../../grafana"
  metrics_ports      = local.metrics_ports
  node_exporter_port = local.node_exporter_port
}
