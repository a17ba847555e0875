variable "bucket_name" {
  description = "Globally unique name of the artifact bucket (the pipeline uploads release packages to it before every plan)."
  type        = string
}

variable "noncurrent_version_days" {
  description = "Days a previous version of an overwritten or deleted object is kept."
  type        = number
  default     = 30
}
