output "autoscaling_group_name" {
  description = "Name of the tier's Auto Scaling group (the pipeline's rolling deploy waits on its instance refresh)."
  value       = aws_autoscaling_group.this.name
}

output "launch_template_id" {
  description = "ID of the tier's launch template."
  value       = aws_launch_template.this.id
}

output "launch_template_version" {
  description = "Launch template version the group runs."
  value       = aws_launch_template.this.latest_version
}

output "instance_role_name" {
  description = "Name of the IAM role of the tier's instances."
  value       = aws_iam_role.this.name
}
