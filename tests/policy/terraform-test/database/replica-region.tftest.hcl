# The backup copies must go to another region than the database's: the
# precondition on the replication refuses the same region.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}
mock_provider "aws" {
  alias = "backup_replica"
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}
variables {
  name                       = "tierstack-prod"
  private_subnet_ids         = ["subnet-a", "subnet-b"]
  security_group_id          = "sg-1"
  backup_replication_enabled = true
}
run "same_region" {
  command         = plan
  expect_failures = [aws_db_instance_automated_backups_replication.this]
}
