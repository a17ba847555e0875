# Run by tests/policy/run (when terraform and the aws provider are at hand)
# against modules/database, with AWS mocked: the variable validations and
# the restore preconditions, evaluated by Terraform itself.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}
mock_provider "aws" {
  alias = "backup_replica"
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }
}

variables {
  name               = "tierstack-prod"
  private_subnet_ids = ["subnet-a", "subnet-b"]
  security_group_id  = "sg-1"
  app_roles          = ["shop", "microblog"]
}

run "defaults" {
  command = plan
  assert {
    condition     = aws_db_instance.this.identifier == "tierstack-prod" && aws_db_instance.this.backup_retention_period == 7 && aws_db_instance.this.multi_az && aws_db_instance.this.deletion_protection && !aws_db_instance.this.skip_final_snapshot && aws_db_instance.this.delete_automated_backups == false
    error_message = "defaults"
  }
  assert {
    condition     = length(aws_db_instance.this.restore_to_point_in_time) == 0 && length(aws_db_instance_automated_backups_replication.this) == 0
    error_message = "no restore, no replication by default"
  }
}

run "retention_too_short" {
  command = plan
  variables { backup_retention_days = 3 }
  expect_failures = [var.backup_retention_days]
}

run "pitr_same_identifier" {
  command = plan
  variables {
    restore = { source_db_instance_identifier = "tierstack-prod", restore_time = "2026-12-07T14:01:00Z" }
  }
  expect_failures = [aws_db_instance.this]
}

run "pitr_identifier_is_source" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { source_db_instance_identifier = "tierstack-prod-r1", restore_time = "2026-12-07T14:01:00Z" }
  }
  expect_failures = [aws_db_instance.this]
}

run "new_identifier_without_restore" {
  command = plan
  variables { identifier = "tierstack-prod-r1" }
  expect_failures = [aws_db_instance.this]
}

run "pitr_ok" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { source_db_instance_identifier = "tierstack-prod", restore_time = "2026-12-07T14:01:00Z" }
  }
  assert {
    condition     = aws_db_instance.this.identifier == "tierstack-prod-r1" && aws_db_instance.this.restore_to_point_in_time[0].restore_time == "2026-12-07T14:01:00Z" && aws_db_instance.this.final_snapshot_identifier == "tierstack-prod-r1-final"
    error_message = "pitr"
  }
}

run "gone_latest_ok" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { source_dbi_resource_id = "db-ABC", use_latest_restorable_time = true }
  }
  assert {
    condition     = aws_db_instance.this.restore_to_point_in_time[0].source_dbi_resource_id == "db-ABC"
    error_message = "gone"
  }
}

run "snapshot_ok" {
  command = plan
  variables {
    identifier = "tierstack-prod-r2"
    restore    = { snapshot_identifier = "tierstack-prod-final" }
  }
  assert {
    condition     = aws_db_instance.this.snapshot_identifier == "tierstack-prod-final" && length(aws_db_instance.this.restore_to_point_in_time) == 0
    error_message = "snapshot"
  }
}

run "restore_both_times" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { source_db_instance_identifier = "tierstack-prod", restore_time = "2026-12-07T14:01:00Z", use_latest_restorable_time = true }
  }
  expect_failures = [var.restore]
}

run "restore_two_sources" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { snapshot_identifier = "s", source_db_instance_identifier = "tierstack-prod" }
  }
  expect_failures = [var.restore]
}

run "restore_bad_time" {
  command = plan
  variables {
    identifier = "tierstack-prod-r1"
    restore    = { source_db_instance_identifier = "tierstack-prod", restore_time = "yesterday 14:01" }
  }
  expect_failures = [var.restore]
}

run "replication_on" {
  command = plan
  variables { backup_replication_enabled = true }
  assert {
    condition     = length(aws_db_instance_automated_backups_replication.this) == 1 && length(aws_kms_key.backup_replica) == 1 && aws_db_instance_automated_backups_replication.this[0].retention_period == 7
    error_message = "replication"
  }
}

run "replication_own_key" {
  command = plan
  variables {
    backup_replication_enabled     = true
    backup_replication_kms_key_arn = "arn:aws:kms:us-west-2:111122223333:key/abc"
  }
  assert {
    condition     = length(aws_kms_key.backup_replica) == 0 && aws_db_instance_automated_backups_replication.this[0].kms_key_id == "arn:aws:kms:us-west-2:111122223333:key/abc"
    error_message = "own key"
  }
}
