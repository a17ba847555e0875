# Sourced by bench/microblog.sh and bench/reads.sh: the microblog's measurement
# data, as the original's (5 users, 100 posts; user1 follows the other four).
# seed_microblog BASE_URL WORK_DIR → sets $session (user1's session cookie) and
# $token (user1's API bearer token).
seed_microblog() {
  local base=$1 work=$2 i n jar tok
csrf() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
# login USER → cookie jar $work/USER.jar
login() {
  local jar="$work/$1.jar" tok
  tok=$(curl -fsS -c "$jar" -b "$jar" -H 'Accept: text/html' "$base/auth/login" | csrf)
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H 'Accept: text/html' \
    --data-urlencode "username=$1" --data-urlencode "password=bench-pw" \
    --data-urlencode "csrf_token=$tok" "$base/auth/login"
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H 'Accept: text/html' "$base/index"  # flashes consumed
}

echo "seeding: 5 users, 100 posts"
for i in 1 2 3 4 5; do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"user$i\",\"email\":\"user$i@example.com\",\"password\":\"bench-pw\"}" \
    "$base/api/users"
done
for i in 1 2 3 4 5; do
  login "user$i"
  jar="$work/user$i.jar"
  for n in $(seq 1 20); do
    tok=$(curl -fsS -b "$jar" -c "$jar" -H 'Accept: text/html' "$base/index" | csrf)
    curl -fsS -o /dev/null -b "$jar" -c "$jar" -H 'Accept: text/html' \
      --data-urlencode "post=Post number $n of user$i: the quick brown fox jumps over the lazy dog" \
      --data-urlencode "csrf_token=$tok" "$base/index"
  done
  if [ "$i" != 1 ]; then
    tok=$(curl -fsS -b "$work/user1.jar" -H 'Accept: text/html' "$base/user/user$i" | csrf)
    curl -fsS -o /dev/null -b "$work/user1.jar" -c "$work/user1.jar" -H 'Accept: text/html' \
      --data-urlencode "csrf_token=$tok" "$base/follow/user$i"
  fi
done
curl -fsS -o /dev/null -b "$work/user1.jar" -c "$work/user1.jar" -H 'Accept: text/html' "$base/index"
session=$(awk '$6 == "session" {print $7}' "$work/user1.jar")
[ -n "$session" ] || { echo "bench: no session cookie" >&2; exit 1; }
token=$(curl -fsS -X POST -u user1:bench-pw "$base/api/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/')
[ -n "$token" ] || { echo "bench: no API token" >&2; exit 1; }

}
