#!/usr/bin/env bash
# bench/frontend-size.sh [--no-build] [--no-write]
# JavaScript shipped for the store's first page (the product grid): the
# scripts web/shop/dist/index.html loads (<script src> and modulepreload)
# gzipped at level 9, plus the CSS for reference. Lazily loaded page chunks
# are listed but not counted. Goal: ≤ 200 KB gzipped. Writes the "frontend"
# section of docs/performance.md unless --no-write.
source "$(dirname "$0")/lib.sh"
build=1 write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/frontend-size.sh [--no-build] [--no-write]" >&2; exit 2 ;;
  esac
done
web="$BENCH_ROOT/web/shop"
dist="$web/dist"
if [ "$build" = 1 ]; then
  "$BENCH_ROOT/scripts/deps.d/shop-web.sh" >/dev/null
  (cd "$web" && npm run build >/dev/null 2>&1) || { echo "frontend-size: build failed" >&2; exit 1; }
fi
[ -f "$dist/index.html" ] || { echo "frontend-size: no $dist/index.html (build web/shop first)" >&2; exit 1; }

gz() { gzip -9 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1024}'; }

# Assets the first page loads: module scripts and modulepreloads in index.html.
mapfile -t first < <(grep -oE '(src|href)="/assets/[^"]+\.js"' "$dist/index.html" | sed -E 's/.*="\/(assets\/[^"]+)"/\1/' | sort -u)
mapfile -t css < <(grep -oE 'href="/assets/[^"]+\.css"' "$dist/index.html" | sed -E 's/.*="\/(assets\/[^"]+)"/\1/' | sort -u)
js_raw=0 js_gz=0 css_gz=0
rows=""
for f in "${first[@]}"; do
  r=$(wc -c <"$dist/$f"); g=$(gz "$dist/$f")
  js_raw=$((js_raw + r)); js_gz=$((js_gz + g))
  rows+="| \`$f\` | first page | $(kb "$r") | $(kb "$g") |"$'\n'
done
for f in "${css[@]}"; do
  r=$(wc -c <"$dist/$f"); g=$(gz "$dist/$f"); css_gz=$((css_gz + g))
  rows+="| \`$f\` | first page (CSS) | $(kb "$r") | $(kb "$g") |"$'\n'
done
lazy_gz=0
for f in "$dist"/assets/*.js; do
  rel="assets/$(basename "$f")"
  printf '%s\n' "${first[@]}" | grep -qxF "$rel" && continue
  lazy_gz=$((lazy_gz + $(gz "$f")))
done

goal=$((200 * 1024))
verdict="meets the goal"
[ "$js_gz" -le "$goal" ] || verdict="OVER the goal"
summary="first-page JavaScript: $(kb "$js_gz") KB gzipped ($(kb "$js_raw") KB raw); goal ≤ 200 KB: $verdict"
echo "$summary"
echo "CSS: $(kb "$css_gz") KB gzipped; lazily loaded page chunks: $(kb "$lazy_gz") KB gzipped in total"

if [ "$write" = 1 ]; then
  out="$(mktemp)"
  {
    echo "### Front end: JavaScript for the first page"
    echo
    echo "\`bench/frontend-size.sh\` on $(date -u +%Y-%m-%d), production build of web/shop (Vite), gzip -9."
    echo
    echo "| file | loaded | raw KB | gzipped KB |"
    echo "| --- | --- | ---: | ---: |"
    printf '%s' "$rows"
    echo
    echo "**$summary.** Other pages are split into chunks loaded on demand ($(kb "$lazy_gz") KB gzipped in all)."
  } >"$out"
  replace_section "$BENCH_ROOT/docs/performance.md" frontend "$out"
  rm -f "$out"
fi
[ "$js_gz" -le "$goal" ]
