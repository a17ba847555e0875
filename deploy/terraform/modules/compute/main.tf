# One tier (web or app): a launch template and an Auto Scaling group across
# both private subnets. The launch template's user data installs the
# release's packages from S3 and starts their systemd units; secrets are
# fetched from Secrets Manager by a boot-time unit, so neither the user data
# nor the launch template ever holds one. Changing release_version (or any
# other launch template input) makes a new template version, and the group's
# instance refresh replaces instances one at a time behind the health checks.

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
  ami_id = var.ami_id != null ? var.ami_id : data.aws_ami.debian[0].id

  instance_tags = {
    Name                    = var.name
    "tierstack:tier"        = var.tier
    "tierstack:environment" = var.environment
  }

  db_master_secret_arn = var.database_bootstrap == null ? "" : var.database_bootstrap.master_secret_arn
  db_roles             = var.database_bootstrap == null ? {} : var.database_bootstrap.roles

  secret_arns = distinct(concat(
    [for s in values(var.fetched_environment) : s.secret_arn],
    local.db_master_secret_arn == "" ? [] : [local.db_master_secret_arn],
    values(local.db_roles),
  ))

  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    region               = data.aws_region.current.name
    artifact_bucket      = var.artifact_bucket
    artifact_prefix      = var.artifact_prefix
    release_version      = var.release_version
    packages             = var.packages
    services             = var.services
    runtime_environment  = var.runtime_environment
    fetched_environment  = var.fetched_environment
    db_master_secret_arn = local.db_master_secret_arn
    db_roles             = local.db_roles
  })
}

# --- IAM: SSM for shell access, read-only access to this release and these secrets

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
  name               = "${var.name}-instance"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "instance" {
  # Only this release's objects: the user data fetches SHA256SUMS and the
  # .deb files it names by their exact keys (no listing needed).
  statement {
    sid       = "ReadReleasePackages"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.artifact_bucket}/${var.artifact_prefix}/${var.release_version}/*"]
  }

  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [1] : []

    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns
    }
  }
}

resource "aws_iam_role_policy" "instance" {
  name   = "${var.name}-instance"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.instance.json
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-instance"
  role = aws_iam_role.this.name
}

# --- launch template and Auto Scaling group ------------------------------------

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  vpc_security_group_ids = var.security_group_ids
  user_data              = base64encode(local.user_data)
  update_default_version = true
  ebs_optimized          = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = false
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.instance_tags
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_autoscaling_group" "this" {
  name                      = var.name
  vpc_zone_identifier       = var.subnet_ids
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.min_size
  target_group_arns         = var.target_group_arns
  health_check_type         = length(var.target_group_arns) > 0 ? "ELB" : "EC2"
  health_check_grace_period = var.health_check_grace_period
  default_instance_warmup   = 120
  wait_for_capacity_timeout = "15m"

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = var.instance_refresh_min_healthy_percentage
      max_healthy_percentage = var.instance_refresh_max_healthy_percentage
      instance_warmup        = 120
      auto_rollback          = true
    }
  }

  dynamic "tag" {
    for_each = local.instance_tags

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # The scaling policy owns the current size once the group exists.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_policy" "cpu" {
  name                   = "${var.name}-cpu"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.cpu_target_percent

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}
