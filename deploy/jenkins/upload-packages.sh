#!/usr/bin/env bash
# Uploads a release's packages to the artifact bucket, keyed by commit:
#   deploy/jenkins/upload-packages.sh <bucket> <release> [<dir>]
# puts every .deb of <dir> (default build/packages) under
# s3://<bucket>/releases/<release>/ and then SHA256SUMS, the manifest the
# instances install from, last: a release is complete once its manifest is
# there. A release already uploaded is left as it is (instances of that
# release may be booting from it); the new build is not uploaded.
# Credentials: whatever the AWS CLI finds in the environment (the CI
# system's credential binding or OIDC role), never arguments or files.
set -euo pipefail

bucket=${1:?usage: $0 <bucket> <release> [<dir>]}
release=${2:?usage: $0 <bucket> <release> [<dir>]}
dir=${3:-build/packages}
[[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || { echo "upload: bad bucket name '$bucket'" >&2; exit 2; }
[[ $release =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || { echo "upload: bad release '$release'" >&2; exit 2; }
[ -s "$dir/SHA256SUMS" ] || { echo "upload: $dir/SHA256SUMS missing (run scripts/package)" >&2; exit 1; }
(cd "$dir" && sha256sum --check --strict --quiet SHA256SUMS) || { echo "upload: $dir does not match its SHA256SUMS" >&2; exit 1; }
mapfile -t debs < <(awk '{ f = $2; sub(/^[*]/, "", f); print f }' "$dir/SHA256SUMS")
[ "${#debs[@]}" -gt 0 ] || { echo "upload: SHA256SUMS lists no package" >&2; exit 1; }

url="s3://$bucket/releases/$release"
if err=$(aws s3api head-object --bucket "$bucket" --key "releases/$release/SHA256SUMS" 2>&1 >/dev/null); then
  echo "release $release is already in $url; leaving it as it is"
  exit 0
elif ! grep -Eq '\(404\)|Not Found' <<<"$err"; then
  echo "upload: cannot tell whether $url/SHA256SUMS exists: $err" >&2
  exit 1
fi
for f in "${debs[@]}"; do
  aws s3 cp --only-show-errors "$dir/$f" "$url/$f"
done
aws s3 cp --only-show-errors "$dir/SHA256SUMS" "$url/SHA256SUMS"
echo "uploaded ${#debs[@]} packages and SHA256SUMS to $url"
