#!/usr/bin/env bash
# Side-by-side HTTPS file serving on loopback: nginx (Debian, OpenSSL), `ktls serve --backend software` and a
# JSSE server (Netty with the JDK's SSLEngine, io.ktls4j.bench.http.JsseFileServer). Same P-256 certificate, TLS 1.3
# with TLS_AES_128_GCM_SHA256 only on all three, same files.
#
# Figures, per round, the three servers interleaved (the first server rotates each round, so a load change hits
# all alike):
#   1. one-connection download of a 1 GiB file:      curl --tlsv1.3 --tls13-ciphers ... -w '%{speed_download}'
#   2. 64-connection throughput on a 1 MiB file:     wrk -t2 -c64 -d${DURATION}s (body+head bytes / s)
#   3. keep-alive requests/s on a 4 KiB file:        wrk -t2 -c64 -d${DURATION}s
#   4. new TLS connections/s, full handshakes:       ${SCLIENTS} x openssl s_time -new -www /4k.bin (HTTP/1.0,
#                                                     one 4 KiB GET per connection, never resumed)
#   5. new connections/s as wrk makes them:          wrk -t2 -c64 -H 'Connection: close' on the 4 KiB file; wrk
#                                                     resumes TLS sessions where the server issues tickets
# Prints a Markdown table of medians with ratios ktls/nginx and ktls/JSSE, the per-round values and `uptime`.
#
# Needs: apt-get install nginx wrk curl openssl; the jars: ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am
# Usage: ktls4j-bench/src/bench/http-compare.sh [ROUNDS]      (env: DURATION=10 SCLIENTS=8 BIG_MIB=1024 OUT=dir
#        KEEP=1 keeps the temp dir; JAVA_TOOL_OPTIONS reaches both JVMs; JSSE_JAVA_OPTS only the JSSE server)
set -euo pipefail

ROUNDS="${1:-${ROUNDS:-3}}"
DURATION="${DURATION:-10}"
SCLIENTS="${SCLIENTS:-8}"
BIG_MIB="${BIG_MIB:-1024}"
NGINX_PORT="${NGINX_PORT:-9443}"
KTLS_PORT="${KTLS_PORT:-9444}"
JSSE_PORT="${JSSE_PORT:-9445}"
SUITE=TLS_AES_128_GCM_SHA256

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../../bin/find-jdk.sh
. "$repo/bin/find-jdk.sh"
jdk="$(ktls4j_find_jdk)" || { echo "http-compare: no JDK >= 22 found" >&2; exit 1; }
OUT="${OUT:-$repo/ktls4j-bench/target/http-compare}"

missing=""
for tool in nginx wrk curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "http-compare: missing:$missing  (as root: apt-get update && apt-get install -y nginx wrk curl openssl)" >&2
  exit 1
fi
bench_jar="$repo/ktls4j-bench/target/benchmarks.jar"
if [ ! -f "$bench_jar" ] || [ ! -f "$repo/ktls4j-cli/target/ktls.jar" ]; then
  echo "http-compare: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am" >&2
  exit 1
fi

tmp="$(mktemp -d /tmp/http-compare.XXXXXX)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "http-compare: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT" "$tmp/www" "$tmp/nginx/tmp"
chmod 755 "$tmp" "$tmp/www" # nginx's workers run as www-data

log() { echo "[$(date +%T)] $*" >&2; }

# ---- certificate (one ECDSA P-256 pair for all three) and files
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost -days 7 2>/dev/null
log "creating test files (${BIG_MIB} MiB, 1 MiB, 4 KiB of random bytes) in $tmp/www"
head -c $((BIG_MIB << 20)) /dev/urandom > "$tmp/www/big.bin"
head -c $((1 << 20)) /dev/urandom > "$tmp/www/1m.bin"
head -c 4096 /dev/urandom > "$tmp/www/4k.bin"
big_size=$((BIG_MIB << 20))

# ---- nginx: private config, not a daemon, TLS 1.3 + AES-128-GCM only, sendfile, keep-alive, one worker per core
cores="$(nproc)"
cat > "$tmp/nginx/nginx.conf" <<EOF
worker_processes $cores;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/tmp;
  proxy_temp_path $tmp/nginx/tmp;
  fastcgi_temp_path $tmp/nginx/tmp;
  uwsgi_temp_path $tmp/nginx/tmp;
  scgi_temp_path $tmp/nginx/tmp;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    server_name localhost;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites $SUITE;
    root $tmp/www;
  }
}
EOF

log "starting nginx :$NGINX_PORT, ktls serve :$KTLS_PORT, JsseFileServer :$JSSE_PORT"
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx.out" 2>&1 &
pids+=($!)
"$repo/ktls" serve "$tmp/www" --port "$KTLS_PORT" --backend software --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
  --tls 1.3 --ciphers "$SUITE" --quiet > "$tmp/ktls.out" 2>&1 &
pids+=($!)
# shellcheck disable=SC2086
"$jdk/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ${JSSE_JAVA_OPTS:-} \
  -cp "$bench_jar" io.ktls4j.bench.http.JsseFileServer --port "$JSSE_PORT" --cert "$tmp/cert.pem" \
  --key "$tmp/key.pem" --root "$tmp/www" > "$tmp/jsse.out" 2>&1 &
pids+=($!)

names=(nginx ktls jsse)
declare -A port=([nginx]=$NGINX_PORT [ktls]=$KTLS_PORT [jsse]=$JSSE_PORT)
declare -A label=([nginx]="nginx" [ktls]="ktls serve (software)" [jsse]="JSSE (Netty, SslProvider.JDK)")

url() { echo "https://localhost:${port[$1]}/$2"; }

for s in "${names[@]}"; do
  ok=""
  for _ in $(seq 240); do
    if curl -sf --cacert "$tmp/cert.pem" -o /dev/null "$(url "$s" 4k.bin)"; then ok=1; break; fi
    sleep 0.5
  done
  if [ -z "$ok" ]; then
    echo "http-compare: $s did not come up on :${port[$s]}; its output:" >&2
    cat "$tmp/$s.out" >&2 || true
    exit 1
  fi
  negotiated="$(curl -sv --cacert "$tmp/cert.pem" -o /dev/null "$(url "$s" 4k.bin)" 2>&1 | sed -n 's/^\* SSL connection using //p')"
  log "$s is up: $negotiated"
done

cat > "$tmp/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

# one wrk run; prints "requests_per_s MB_per_s errors" (errors: connect+read+write+timeout, then non-2xx)
run_wrk() { # server file extra-header...
  local s="$1" f="$2"; shift 2
  local line
  line="$(wrk -t2 -c64 -d"${DURATION}s" -s "$tmp/report.lua" "$@" "$(url "$s" "$f")" | grep '^WRKRESULT')"
  echo "$line" | awk '{d=$2/1e6; printf "%.1f %.1f %d/%d\n", $3/d, $4/d/1e6, $5+$6+$7+$9, $8}'
}

run_curl() { # server -> MB/s, or "FAIL"
  local s="$1" out
  out="$(curl -s --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null \
    -w '%{http_code} %{size_download} %{speed_download}' "$(url "$s" big.bin)" || true)"
  set -- $out
  if [ "${1:-}" = 200 ] && [ "${2:-}" = "$big_size" ]; then
    awk -v b="$3" 'BEGIN {printf "%.1f\n", b/1e6}'
  else
    echo "FAIL($out)"
  fi
}

run_stime() { # server -> full handshakes/s from SCLIENTS parallel s_time -new clients
  local s="$1" i t0 t1 total
  t0="$(date +%s.%N)"
  for i in $(seq "$SCLIENTS"); do
    timeout $((DURATION + 30)) openssl s_time -connect "localhost:${port[$s]}" -new -time "$DURATION" -www /4k.bin \
      -tls1_3 -ciphersuites "$SUITE" > "$tmp/stime.$i" 2>&1 &
  done
  wait # a command substitution's subshell: only the s_time clients are its children
  t1="$(date +%s.%N)"
  total="$(cat "$tmp"/stime.* | awk '/connections in .* real seconds/ {c+=$1} END {print c+0}')"
  rm -f "$tmp"/stime.*
  echo "$total $t0 $t1" | awk '{printf "%.1f\n", $1/($3-$2)}'
}

# ---- warm-up (JIT, page cache): not recorded
log "warm-up"
for s in "${names[@]}"; do
  wrk -t2 -c64 -d5s "$(url "$s" 1m.bin)" > /dev/null
  wrk -t2 -c64 -d5s "$(url "$s" 4k.bin)" > /dev/null
  wrk -t2 -c64 -d3s -H 'Connection: close' "$(url "$s" 4k.bin)" > /dev/null
  run_curl "$s" > /dev/null
done

raw="$OUT/raw.tsv"
printf 'round\tfigure\tserver\tvalue\terrors\tload1\n' > "$raw"
loads="$OUT/uptime.txt"
: > "$loads"
figures=(curl_big wrk_1m wrk_4k stime_new wrk_close)
for r in $(seq "$ROUNDS"); do
  shift_by=$(( (r - 1) % 3 ))
  order=("${names[@]:$shift_by}" "${names[@]:0:$shift_by}")
  up="$(uptime)"
  echo "round $r start: $up" >> "$loads"
  load1="$(echo "$up" | sed 's/.*load average: \([0-9.]*\).*/\1/')"
  log "round $r/$ROUNDS (order ${order[*]}); $up"
  for fig in "${figures[@]}"; do
    for s in "${order[@]}"; do
      err="-"
      case "$fig" in
        curl_big) v="$(run_curl "$s")" ;;
        wrk_1m) set -- $(run_wrk "$s" 1m.bin); v="$2"; err="$3" ;;
        wrk_4k) set -- $(run_wrk "$s" 4k.bin); v="$1"; err="$3" ;;
        stime_new) v="$(run_stime "$s")" ;;
        wrk_close) set -- $(run_wrk "$s" 4k.bin -H 'Connection: close'); v="$1"; err="$3" ;;
      esac
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$fig" "$s" "$v" "$err" "$load1" >> "$raw"
      log "  $fig $s: $v ${err/-/}"
    done
  done
  echo "round $r end:   $(uptime)" >> "$loads"
done

# ---- table
median() { # figure server
  awk -F'\t' -v f="$1" -v s="$2" '$2==f && $3==s && $4 ~ /^[0-9.]+$/ {print $4}' "$raw" | sort -g |
    awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'
}
runs() { awk -F'\t' -v f="$1" -v s="$2" '$2==f && $3==s {printf "%s%s", sep, $4; sep=" "}' "$raw"; }
errs() { awk -F'\t' -v f="$1" -v s="$2" '$2==f && $3==s && $5!="-" {split($5,e,"/"); a+=e[1]; b+=e[2]; n++} END {if (n) printf "%d/%d", a, b; else printf "-"}' "$raw"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a=="nan" || b=="nan" || b==0) print "-"; else printf "%.2f\n", a/b}'; }

declare -A title=(
  [curl_big]="${BIG_MIB} MiB download, 1 connection (curl), MB/s"
  [wrk_1m]="1 MiB file, 64 connections (wrk -t2 -c64), MB/s"
  [wrk_4k]="4 KiB file, keep-alive, 64 connections (wrk -t2 -c64), requests/s"
  [stime_new]="new TLS connections/s, full handshakes (${SCLIENTS} x openssl s_time -new, 4 KiB GET each)"
  [wrk_close]="new connections/s, wrk -c64 'Connection: close' (4 KiB; resumes where tickets are issued)"
)
declare -A goal=([curl_big]="" [wrk_1m]=">= 0.9x nginx, >= 1.5x JSSE" [wrk_4k]="" [stime_new]="" [wrk_close]="")
table="$OUT/table.md"
{
  echo "| figure | nginx | ktls serve (software) | JSSE (Netty) | ktls/nginx | ktls/JSSE |"
  echo "|---|---:|---:|---:|---:|---:|"
  for fig in "${figures[@]}"; do
    n="$(median "$fig" nginx)"; k="$(median "$fig" ktls)"; j="$(median "$fig" jsse)"
    echo "| ${title[$fig]} | $n | $k | $j | $(ratio "$k" "$n") | $(ratio "$k" "$j") |"
  done
  echo
  echo "Medians of $ROUNDS rounds, ${DURATION} s per wrk/s_time run. Per-round values (round order), and wrk errors"
  echo "(socket errors/non-2xx, summed over the rounds):"
  echo
  echo '```'
  for fig in "${figures[@]}"; do
    for s in "${names[@]}"; do
      printf '%-10s %-6s %s   errors %s\n' "$fig" "$s" "$(runs "$fig" "$s")" "$(errs "$fig" "$s")"
    done
  done
  cat "$loads"
  echo '```'
} > "$table"
{
  echo "# http-compare $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# $(nproc) CPUs, $(uname -r), $("$jdk/bin/java" -version 2>&1 | head -1), $(nginx -v 2>&1), $(openssl version),"
  echo "# $(wrk -v 2>&1 | head -1 | cut -c1-40), $(curl --version | head -1 | cut -d' ' -f1-2)"
} > "$OUT/header.txt"
cat "$OUT/header.txt" "$table"
