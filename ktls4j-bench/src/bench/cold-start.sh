#!/usr/bin/env bash
# Cold start of the ktls command, with and without the launcher's JDK 25 AOT cache (KTLS_AOT=off), on loopback:
#   1. serve, time to first byte: from exec of `./ktls serve --port P DIR` until curl, retrying every 10 ms, has
#      the first byte of an HTTPS response (curl -w '%{time_starttransfer}' of the successful try is included)
#   2. get, end to end: `./ktls get -k -o /dev/null https://127.0.0.1:P/1k.bin` against a running server, and
#      `curl -sk -o /dev/null` on the same URL as the reference
# Rounds interleave with/without (the order alternates per round); prints medians, ratios and `uptime`.
# Needs: curl; the jar built (./ktls --version builds it and trains the cache once).
# Usage: ktls4j-bench/src/bench/cold-start.sh [ROUNDS]       (env: PORT=9543)
set -euo pipefail
ROUNDS="${1:-${ROUNDS:-7}}"
PORT="${PORT:-9543}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
ktls="$here/ktls"
dir="$(mktemp -d)"; trap 'kill "${srv:-}" 2>/dev/null || true; rm -rf "$dir"' EXIT
head -c 1024 /dev/urandom > "$dir/1k.bin"
"$ktls" --version >/dev/null; KTLS_AOT=on "$ktls" serve --help >/dev/null 2>&1 || true
now() { date +%s.%N; }
url="https://127.0.0.1:$PORT/1k.bin"
# await_server DELAY: polls $url until it answers; gives up after 60 s (a server that never starts ends the run)
await_server() {
  local deadline=$(( $(date +%s) + 60 ))
  until curl -sk -o /dev/null --max-time 1 "$url" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cold-start: no server answered at $url within 60 s" >&2; return 1; }
    sleep "$1"
  done
}

ttfb() { # $1: on|off
  local t0 t1 pid
  t0=$(now)
  KTLS_AOT=$1 "$ktls" serve --port "$PORT" --access-log off "$dir" >/dev/null 2>&1 & pid=$!
  await_server 0.01 || { kill "$pid" 2>/dev/null; exit 1; } # a subshell: the round's figure stays empty
  t1=$(now); kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$t1 - $t0" | bc -l
}
e2e() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: > "$dir/raw"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="on off"; else order="off on"; fi
  for m in $order; do echo "serve_$m $(ttfb "$m")" >> "$dir/raw"; done
done
KTLS_AOT=on "$ktls" serve --port "$PORT" --access-log off "$dir" >/dev/null 2>&1 & srv=$!
await_server 0.05 || exit 1
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="on off curl"; else order="curl off on"; fi
  for m in $order; do
    case $m in
      curl) echo "get_curl $(e2e curl -sk -o /dev/null "$url")" >> "$dir/raw" ;;
      *) echo "get_$m $(e2e env KTLS_AOT="$m" "$ktls" get -k -o /dev/null "$url")" >> "$dir/raw" ;;
    esac
  done
done
med() { awk -v k="$1" '$1==k {print $2}' "$dir/raw" | median; }
so=$(med serve_on); sf=$(med serve_off); go=$(med get_on); gf=$(med get_off); gc=$(med get_curl)
printf '| figure (median of %s, s) | AOT cache | no cache | ratio cache/none |\n|---|---|---|---|\n' "$ROUNDS"
printf '| serve: exec to first byte | %.3f | %.3f | %.2f |\n' "$so" "$sf" "$(echo "$so/$sf" | bc -l)"
printf '| get 1 KiB, end to end | %.3f | %.3f | %.2f |\n' "$go" "$gf" "$(echo "$go/$gf" | bc -l)"
printf '| curl, same URL | %.3f | | get(cache)/curl %.1f |\n' "$gc" "$(echo "$go/$gc" | bc -l)"
echo; sed 's/^/    /' "$dir/raw"; echo; uptime
