# One instance running Prometheus (Debian package) and Grafana (Grafana's
# apt repository) in a private subnet. Prometheus finds the web and app
# instances through EC2 service discovery by tag; Grafana starts with the
# datasource and dashboards of deploy/grafana provisioned. Nothing listens
# to the outside: operators reach Grafana with an SSM port-forwarding
# session. The Grafana admin password is generated, kept in Secrets Manager
# and read at boot.

data "aws_ami" "debian" {
  count = var.ami_id == null ? 1 : 0

  most_recent = true
  owners      = ["136693071363"] # Debian's official AWS account

  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  ami_id      = var.ami_id != null ? var.ami_id : data.aws_ami.debian[0].id
  prefix      = "${var.config_prefix}/${var.environment}"
  bucket_arn  = "arn:${data.aws_partition.current.partition}:s3:::${var.config_bucket}"
  rule_files  = fileset(var.prometheus_dir, "rules/*.yml")
  grafana_etc = fileset(var.grafana_dir, "{provisioning,dashboards}/**/*.{yml,yaml,json}")

  prometheus_config = templatefile("${var.prometheus_dir}/prometheus.yml.tftpl", {
    region                 = data.aws_region.current.name
    environment            = var.environment
    shop_metrics_port      = var.metrics_ports["shop"]
    microblog_metrics_port = var.metrics_ports["microblog"]
    node_exporter_port     = var.node_exporter_port
  })
}

resource "random_password" "grafana_admin" {
  length           = 32
  special          = true
  override_special = "!#%^*()-_=+[]{}<>:?."
}

resource "aws_secretsmanager_secret" "grafana_admin" {
  name_prefix             = "${var.name}/grafana/admin-"
  description             = "Grafana admin password of the tierstack monitoring instance"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "grafana_admin" {
  secret_id     = aws_secretsmanager_secret.grafana_admin.id
  secret_string = random_password.grafana_admin.result
}

# --- configuration uploaded to S3, pulled by the instance at boot ---------------

resource "aws_s3_object" "prometheus_config" {
  bucket       = var.config_bucket
  key          = "${local.prefix}/prometheus/prometheus.yml"
  content      = local.prometheus_config
  content_type = "application/yaml"
}

resource "aws_s3_object" "prometheus_rules" {
  for_each = local.rule_files

  bucket       = var.config_bucket
  key          = "${local.prefix}/prometheus/${each.value}"
  source       = "${var.prometheus_dir}/${each.value}"
  source_hash  = filemd5("${var.prometheus_dir}/${each.value}")
  content_type = "application/yaml"
}

resource "aws_s3_object" "grafana" {
  for_each = local.grafana_etc

  bucket      = var.config_bucket
  key         = "${local.prefix}/grafana/${each.value}"
  source      = "${var.grafana_dir}/${each.value}"
  source_hash = filemd5("${var.grafana_dir}/${each.value}")
}

# --- IAM: SSM, EC2 discovery, read own configuration and own secret --------------

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-monitoring"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "monitoring" {
  # EC2 Describe* calls cannot be scoped to resources.
  statement {
    sid       = "Ec2ServiceDiscovery"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadMonitoringConfig"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.prefix}/*"]
  }

  statement {
    sid       = "ListMonitoringConfig"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.prefix}/*"]
    }
  }

  statement {
    sid       = "ReadGrafanaAdminSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.grafana_admin.arn]
  }
}

resource "aws_iam_role_policy" "monitoring" {
  name   = "${var.name}-monitoring"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.monitoring.json
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-monitoring"
  role = aws_iam_role.this.name
}

# --- the instance ----------------------------------------------------------------

resource "aws_instance" "this" {
  ami                    = local.ami_id
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = [var.security_group_id]
  iam_instance_profile   = aws_iam_instance_profile.this.name
  ebs_optimized          = true

  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    region             = data.aws_region.current.name
    config_url         = "s3://${var.config_bucket}/${local.prefix}"
    retention          = var.retention
    grafana_secret_arn = aws_secretsmanager_secret.grafana_admin.arn
    # Any change to the uploaded configuration changes the user data and so
    # replaces the instance, which boots with the new files.
    config_hash = md5(join(",", concat(
      [md5(local.prometheus_config)],
      [for f in local.rule_files : filemd5("${var.prometheus_dir}/${f}")],
      [for f in local.grafana_etc : filemd5("${var.grafana_dir}/${f}")],
    )))
  })
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_size           = var.root_volume_size
    volume_type           = "gp3"
    encrypted             = true
    delete_on_termination = true
  }

  tags = {
    Name                    = "${var.name}-monitoring"
    "tierstack:tier"        = "monitoring"
    "tierstack:environment" = var.environment
  }

  depends_on = [
    aws_s3_object.prometheus_config,
    aws_s3_object.prometheus_rules,
    aws_s3_object.grafana,
  ]
}
