#!/usr/bin/env bash
# Tail latency and fairness under many keep-alive connections (issue 15, item 4): nginx and `ktls serve --backend
# software` side by side on loopback, the same certificate, suite and 4 KiB file as http-compare.sh.
#
# Per round, for each connection count in CONNS (default "16 256 1024"), each server in turn (the first server
# rotates each round, so a load change hits all alike):
#   wrk -t2 -cN -d${DURATION}s --latency on /4k.bin, keep-alive
# and from it: requests/s, the p50 and p99 latency (wrk's histogram), and the requests each connection was served
# in that run, counted on the server side:
#   nginx: an access log of `$connection $connection_requests` (buffered, read after the run)
#   ktls:  the per-connection log line `ktls serve` writes when a connection ends (requests=N), access log off
# (so both servers log, and neither per request synchronously). Fairness of a run: min, median and max requests per
# connection, and the spread max/min (1.00 = every connection served alike). A connection wrk opened but that was
# never served counts as 0 when its end is logged. Both servers close a connection after 10,000 requests (ktls
# serve's default; nginx set to match) and wrk reconnects: at 16 connections a connection's count is then that cap
# or what its successor got, so the spread there says little; at 256 and more no connection reaches the cap.
#
# Prints a Markdown table of medians over the rounds with the ratios ktls/nginx (requests/s: higher is better for
# ktls; p99: lower), the per-round values and `uptime`; writes raw.tsv, table.md, uptime.txt to $OUT.
#
# Needs: apt-get install nginx wrk curl openssl; the CLI jar: ./mvnw -q -B -DskipTests package -pl ktls4j-cli -am
# Usage: ktls4j-bench/src/bench/http-fairness.sh [ROUNDS]   (env: DURATION=10 CONNS="16 256 1024" OUT=dir KEEP=1;
#        KTLS_JAVA_OPTS reaches `ktls serve` (after bin/serve.jvm-options); BASELINE_JAR=old/ktls.jar adds `java
#        -jar old/ktls.jar serve` with the same JVM options, as server "base", for a before/after in the same run;
#        BASE_JVM_OPTIONS=old/serve.jvm-options gives it the options file of its own commit instead)
set -euo pipefail

ROUNDS="${1:-${ROUNDS:-3}}"
DURATION="${DURATION:-10}"
read -r -a conns <<< "${CONNS:-16 256 1024}"
NGINX_PORT="${NGINX_PORT:-9453}"
KTLS_PORT="${KTLS_PORT:-9454}"
BASE_PORT="${BASE_PORT:-9456}"
names=(nginx ktls)
if [ -n "${BASELINE_JAR:-}" ]; then
  names+=(base)
fi
SUITE=TLS_AES_128_GCM_SHA256
# room for every wrk connection on both servers (ktls serve: 1,024 in all and 256 per address by default)
MAX_CONNS=4096

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../../bin/find-jdk.sh
. "$repo/bin/find-jdk.sh"
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
jdk="$(ktls4j_find_jdk)" || { echo "http-fairness: no JDK >= 22 found" >&2; exit 1; }
OUT="${OUT:-$repo/ktls4j-bench/target/http-fairness}"

missing=""
for tool in nginx wrk curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "http-fairness: missing:$missing  (as root: apt-get update && apt-get install -y nginx wrk curl openssl)" >&2
  exit 1
fi
need=$((${conns[-1]} * 2 + 256))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || { echo "http-fairness: need ulimit -n >= $need" >&2; exit 1; }
fi

bench_workdir http-fairness
mkdir -p "$OUT"

bench_certificate "$tmp"
head -c 4096 /dev/urandom > "$tmp/www/4k.bin"

# nginx as in http-compare.sh, plus the per-request log fairness is counted from: $connection is the connection's
# serial number (unique for the process's life, unlike the client port)
cores="$(nproc)"
touch "$tmp/nginx/access.log"
chmod 666 "$tmp/nginx/access.log"
cat > "$tmp/nginx/nginx.conf" <<EOF
worker_processes $cores;
worker_rlimit_nofile $((MAX_CONNS * 2));
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections $MAX_CONNS; }
http {
  log_format fair '\$pid-\$connection \$connection_requests';
  access_log $tmp/nginx/access.log fair buffer=256k flush=1s;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 10000; # as ktls serve (HttpLimits.DEFAULT): both reconnect alike
$(bench_nginx_temp_paths "$tmp/nginx/tmp")
  default_type application/octet-stream;
$(bench_nginx_tls_server "127.0.0.1:$NGINX_PORT backlog=4096" "$SUITE" "$tmp")
}
EOF

declare -A port=([nginx]=$NGINX_PORT [ktls]=$KTLS_PORT [base]=$BASE_PORT)
declare -A pid=()
serve_args=(--backend software --cert "$tmp/cert.pem" --key "$tmp/key.pem" --tls 1.3 --ciphers "$SUITE"
  --access-log off --max-connections "$MAX_CONNS"
  --max-connections-per-ip "$MAX_CONNS")
log "starting ${names[*]}"
for s in "${names[@]}"; do
  case "$s" in
    nginx)
      nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx.out" 2>&1 & ;;
    ktls) # the launcher execs java: its pid is the server JVM's; per-connection lines go to standard error
      "$repo/ktls" serve "$tmp/www" --port "$KTLS_PORT" "${serve_args[@]}" > "$tmp/ktls.out" 2>&1 & ;;
    base) # the launcher's JVM options, for a like-for-like before/after
      # shellcheck disable=SC2086
      "$jdk/bin/java" "@${BASE_JVM_OPTIONS:-$repo/bin/serve.jvm-options}" -XX:+UseCompactObjectHeaders ${KTLS_JAVA_OPTS:-} \
        --enable-native-access=ALL-UNNAMED -jar "$BASELINE_JAR" serve "$tmp/www" --port "$BASE_PORT" \
        "${serve_args[@]}" > "$tmp/base.out" 2>&1 & ;;
  esac
  pids+=($!)
  pid[$s]=$!
done

url() { echo "https://localhost:${port[$1]}/$2"; }

# wrk offers TLS_AES_128_GCM_SHA256 only, as in http-compare.sh
bench_client_suite "$tmp" "$SUITE"

for s in "${names[@]}"; do
  bench_await_up http-fairness "$s" "$(url "$s" 4k.bin)" "$tmp/cert.pem" "$tmp/$s.out"
  log "$s is up"
done

cat > "$tmp/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
EOF

# The server's log of per-connection request counts, and how to read the counts of the lines after an offset
logfile() { case "$1" in nginx) echo "$tmp/nginx/access.log" ;; *) echo "$tmp/$1.out" ;; esac; }
counts_after() { # server offset: one count per connection
  case "$1" in
    nginx) tail -c +$(($2 + 1)) "$(logfile nginx)" | awk '{n[$1] = $2 > n[$1] ? $2 : n[$1]} END {for (c in n) print n[c]}' ;;
    *) tail -c +$(($2 + 1)) "$(logfile "$1")" | sed -n 's/.* requests=\([0-9]*\) .*/\1/p' ;;
  esac
}

# Waits until the server's log has stopped growing: the connections of the run before have all been logged
settle() { # server
  local a b i
  b="$(stat -c %s "$(logfile "$1")")"
  for i in $(seq 40); do
    sleep 0.5
    a="$b"
    b="$(stat -c %s "$(logfile "$1")")"
    [ "$a" = "$b" ] && return 0
  done
}

# One run: prints "req/s p50_ms p99_ms max_ms errors conns min median max spread"
run() { # server connections seconds
  local s="$1" c="$2" d="$3" off line i got
  settle "$s"
  off="$(stat -c %s "$(logfile "$s")")"
  wrk -t2 -c"$c" -d"${d}s" --latency --timeout 10s -s "$tmp/report.lua" "$(url "$s" 4k.bin)" > "$tmp/wrk.out" 2>&1 || true
  line="$(grep '^WRKRESULT' "$tmp/wrk.out" || echo "WRKRESULT 1 0 0 0 0 0 0 0 0 0")"
  # wait for the logs: nginx flushes its buffer each second; ktls logs a connection when it ends
  for i in $(seq 40); do
    got="$(counts_after "$s" "$off" | wc -l)"
    [ "$got" -ge "$c" ] && break
    sleep 0.25
  done
  counts_after "$s" "$off" | sort -n > "$tmp/counts"
  echo "$line" | awk '{printf "%.1f %.2f %.2f %.1f %d/%d ", $3 / ($2 / 1e6), $9 / 1e3, $10 / 1e3, $11 / 1e3,
    $4 + $5 + $6 + $8, $7}'
  awk '{a[NR] = $1} END {if (NR == 0) {print "0 - - - -"; exit}
    if (NR % 2) med = a[(NR + 1) / 2]; else med = (a[NR / 2] + a[NR / 2 + 1]) / 2
    spread = a[1] > 0 ? sprintf("%.2f", a[NR] / a[1]) : "inf"
    printf "%d %d %s %d %s\n", NR, a[1], med, a[NR], spread}' "$tmp/counts"
}

log "warm-up"
for s in "${names[@]}"; do
  for c in "${conns[@]}"; do
    run "$s" "$c" 5 > /dev/null
  done
done

raw="$OUT/raw.tsv"
printf 'round\tconns\tserver\treq_s\tp50_ms\tp99_ms\tmax_ms\terrors\tconns_logged\tmin\tmedian\tmax\tspread\tload1\n' > "$raw"
loads="$OUT/uptime.txt"
: > "$loads"
for r in $(seq "$ROUNDS"); do
  shift_by=$(( (r - 1) % ${#names[@]} ))
  order=("${names[@]:$shift_by}" "${names[@]:0:$shift_by}")
  up="$(uptime)"
  echo "round $r start: $up" >> "$loads"
  load1="$(echo "$up" | sed 's/.*load average: \([0-9.]*\).*/\1/')"
  log "round $r/$ROUNDS (order ${order[*]}); $up"
  for c in "${conns[@]}"; do
    for s in "${order[@]}"; do
      res="$(run "$s" "$c" "$DURATION")"
      printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$c" "$s" "$(echo "$res" | tr ' ' '\t')" "$load1" >> "$raw"
      log "  c=$c $s: $res"
    done
  done
  echo "round $r end:   $(uptime)" >> "$loads"
done

med() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
median() { # conns server column
  awk -F'\t' -v c="$1" -v s="$2" -v k="$3" '$2 == c && $3 == s && $k ~ /^[0-9.]+$/ {print $k}' "$raw" | med
}
round_ratio() { # conns a b column: median of the same-round ratios a/b
  awk -F'\t' -v c="$1" -v a="$2" -v b="$3" -v k="$4" '$2 == c && $k ~ /^[0-9.]+$/ {v[$1 "," $3] = $k; r[$1] = 1}
    END {for (i in r) if ((i "," a) in v && (i "," b) in v && v[i "," b] > 0) print v[i "," a] / v[i "," b]}' "$raw" | med
}
fmt() { awk -v x="$1" -v d="${2:-1}" 'BEGIN {if (x == "nan") print "-"; else printf "%.*f\n", d, x}'; }
table="$OUT/table.md"
others=("${names[@]:1}")
{
  printf '| connections | server | requests/s | p50 ms | p99 ms | requests per connection: min / median / max | spread max/min |'
  printf ' requests/s vs nginx | p99 vs nginx |\n'
  printf '|---:|---|---:|---:|---:|---:|---:|---:|---:|\n'
  for c in "${conns[@]}"; do
    for s in "${names[@]}"; do
      printf '| %s | %s | %s | %s | %s | %s / %s / %s | %s |' "$c" "$s" "$(fmt "$(median "$c" "$s" 4)" 0)" \
        "$(fmt "$(median "$c" "$s" 5)" 2)" "$(fmt "$(median "$c" "$s" 6)" 1)" "$(fmt "$(median "$c" "$s" 10)" 0)" \
        "$(fmt "$(median "$c" "$s" 11)" 0)" "$(fmt "$(median "$c" "$s" 12)" 0)" "$(fmt "$(median "$c" "$s" 13)" 2)"
      if [ "$s" = nginx ]; then
        printf ' | |\n'
      else
        printf ' %s | %s |\n' "$(fmt "$(round_ratio "$c" "$s" nginx 4)" 2)" "$(fmt "$(round_ratio "$c" "$s" nginx 6)" 2)"
      fi
    done
  done
  echo
  echo "Medians of $ROUNDS rounds, ${DURATION} s per run (wrk -t2 --latency, keep-alive, 4 KiB file); ratios: median"
  echo "of the same-round ratios (requests/s: above 1 is faster than nginx; p99: below 1 is shorter than nginx's)."
  echo
  echo '```'
  cut -f1-13 "$raw" | column -t
  cat "$loads"
  echo '```'
} > "$table"
{
  echo "# http-fairness $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# $(nproc) CPUs, $(uname -r), $("$jdk/bin/java" -version 2>&1 | head -1), $(nginx -v 2>&1), $(openssl version)"
} > "$OUT/header.txt"
cat "$OUT/header.txt" "$table"
