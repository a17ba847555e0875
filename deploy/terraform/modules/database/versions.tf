terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
      # The region that holds the replicated automated backups; the caller
      # passes it even while replication is off.
      configuration_aliases = [aws.backup_replica]
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }
}
