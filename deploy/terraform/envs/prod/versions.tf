terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }

  # Partial configuration: the bucket (globally unique, so account specific)
  # and the region come from `terraform init -backend-config=prod.s3.tfbackend`
  # (see prod.s3.tfbackend.example). The lock table is created once by the
  # bootstrap step in docs/operations-aws.md.
  backend "s3" {
    key            = "tierstack/prod/terraform.tfstate"
    encrypt        = true
    dynamodb_table = "tierstack-terraform-locks"
  }
}

# Credentials come from the environment: the CI system's OIDC role or an
# operator's own profile. None are configured here.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "tierstack"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

# The second region that holds copies of the database's automated backups
# when db_backup_replication_enabled is set (unused otherwise).
provider "aws" {
  alias  = "backup_replica"
  region = var.db_backup_replica_region

  default_tags {
    tags = {
      Project     = "tierstack"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
