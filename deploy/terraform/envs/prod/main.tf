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
}

# The artifact bucket exists before anything reads from it: the instances and
# the monitoring configuration take its name from this module's output.
module "artifacts" {
  source = "../../modules/artifacts"

  bucket_name = var.artifact_bucket
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
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
}

module "database" {
  source = "../../modules/database"

  name                = local.name
  private_subnet_ids  = module.network.private_subnet_ids
  security_group_id   = module.security.db_security_group_id
  instance_class      = var.db_instance_class
  allocated_storage   = var.db_allocated_storage
  multi_az            = var.db_multi_az
  deletion_protection = var.deletion_protection
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

  # libpq reads the PG* variables itself; the credentials come from the
  # database secret at boot. The microblog builds absolute links (password
  # reset mail) from the first of its host names and sets Secure cookies:
  # the site is HTTPS only.
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
    MICROBLOG_PUBLIC_URL             = "https://${split(" ", var.microblog_server_name)[0]}"
    MICROBLOG_SECURE_COOKIES         = "true"
  }

  fetched_environment = {
    database = {
      secret_arn = module.database.secret_arn
      keys = {
        PGUSER     = "username"
        PGPASSWORD = "password"
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

  depends_on = [aws_secretsmanager_secret_version.app]
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
