#!/usr/bin/env bash
# Rolling deploy of one or more Auto Scaling groups: waits for the instance
# refresh that `terraform apply` started when the launch template changed,
# or starts one if an instance still runs an older template version. The
# refresh replaces instances one at a time behind the load balancer's
# /readyz health checks and rolls back by itself if new instances never get
# healthy. Exits non-zero unless every group ends on a successful refresh.
#
#   deploy/jenkins/rolling-deploy.sh <asg-name>...
# AWS credentials and region come from the environment (CI credential
# store or OIDC role).
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 <asg-name>..." >&2; exit 2; }
timeout_s=${ROLLING_DEPLOY_TIMEOUT:-3600}

latest_refresh() {
  aws autoscaling describe-instance-refreshes --auto-scaling-group-name "$1" --max-records 1 \
    --query 'InstanceRefreshes[0].[InstanceRefreshId,Status]' --output text
}

outdated_instances() {
  local version
  version=$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$1" \
    --query 'AutoScalingGroups[0].LaunchTemplate.Version' --output text)
  aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$1" \
    --query "length(AutoScalingGroups[0].Instances[?LaunchTemplate.Version!='$version'])" --output text
}

for asg in "$@"; do
  read -r id status < <(latest_refresh "$asg")
  case "$status" in
    Pending | InProgress | Cancelling | RollbackInProgress | Baking)
      echo "$asg: waiting for refresh $id ($status)" ;;
    *)
      if [ "$(outdated_instances "$asg")" != "0" ]; then
        id=$(aws autoscaling start-instance-refresh --auto-scaling-group-name "$asg" \
          --strategy Rolling --preferences '{"MinHealthyPercentage":100,"MaxHealthyPercentage":150,"AutoRollback":true}' \
          --query InstanceRefreshId --output text)
        echo "$asg: started refresh $id"
      else
        echo "$asg: every instance runs the current launch template; nothing to roll"
        continue
      fi ;;
  esac
  deadline=$((SECONDS + timeout_s))
  while :; do
    status=$(aws autoscaling describe-instance-refreshes --auto-scaling-group-name "$asg" \
      --instance-refresh-ids "$id" --query 'InstanceRefreshes[0].[Status,PercentageComplete]' --output text)
    echo "$asg: $status"
    case "$status" in
      Successful*) break ;;
      Failed* | Cancelled* | RollbackSuccessful* | RollbackFailed*)
        echo "$asg: refresh $id ended as $status" >&2; exit 1 ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || { echo "$asg: refresh $id timed out" >&2; exit 1; }
    sleep 20
  done
done
