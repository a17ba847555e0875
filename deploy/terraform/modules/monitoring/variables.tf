variable "name" {
  description = "Name prefix of the monitoring resources."
  type        = string
}

variable "environment" {
  description = "Environment whose instances Prometheus discovers (value of their tierstack:environment tag)."
  type        = string
}

variable "subnet_id" {
  description = "Private subnet the monitoring instance runs in."
  type        = string
}

variable "security_group_id" {
  description = "Security group of the monitoring instance."
  type        = string
}

variable "ami_id" {
  description = "AMI of the monitoring instance; null picks the newest official Debian 12 amd64 image."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type of the monitoring instance."
  type        = string
  default     = "t3.small"
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume in GiB (holds the Prometheus TSDB)."
  type        = number
  default     = 40
}

variable "retention" {
  description = "How long Prometheus keeps samples (a Prometheus duration such as 15d)."
  type        = string
  default     = "15d"
}

variable "config_bucket" {
  description = "S3 bucket the rendered Prometheus and Grafana configuration is uploaded to (the artifact bucket will do)."
  type        = string
}

variable "config_prefix" {
  description = "Key prefix of the monitoring configuration in config_bucket."
  type        = string
  default     = "monitoring"
}

variable "prometheus_dir" {
  description = "Directory with prometheus.yml.tftpl and rules/*.yml (deploy/prometheus)."
  type        = string
}

variable "grafana_dir" {
  description = "Directory with provisioning/ and dashboards/ (deploy/grafana)."
  type        = string
}

variable "metrics_ports" {
  description = "Port of each app's /metrics endpoint, by app name (must contain shop and microblog)."
  type        = map(number)
}

variable "node_exporter_port" {
  description = "Port of prometheus-node-exporter on every host."
  type        = number
  default     = 9100
}
