#!/usr/bin/env bash
# Side-by-side TLS-terminating proxies on loopback: `ktls proxy` (software record layer: this host has no kTLS),
# HAProxy (Debian's, OpenSSL, `mode tcp` with `bind ... ssl`) and stunnel (Debian's stunnel4, OpenSSL). The same
# ECDSA P-256 certificate, TLS 1.3 with TLS_AES_128_GCM_SHA256 only, in front of the same plain backends:
#   - nginx without TLS (sendfile, keep-alive) serving a 1 GiB file and a 4 KiB file;
#   - a discarding HTTP server (python3, reads each request body to its end in 1 MiB reads, then answers 200) for the
#     upload; it runs beside the proxies' CPU, not inside it, and reads far faster than TLS can be opened.
# Each proxy has two routes: one to nginx, one to the discarding server.
#
# Figures, per round, the proxies interleaved (the first one rotates each round, so a load change hits all alike):
#   1. one 1 GiB download through the proxy:   curl --tlsv1.3 --tls13-ciphers ... -w '%{speed_download}'
#   2. one 1 GiB upload through the proxy:     curl -T (no "Expect: 100-continue") -w '%{speed_upload}'
#   3. keep-alive requests/s on the 4 KiB file: wrk -t2 -c64 -d${DURATION}s
# and the CPU time the proxy spent per MB or per request (all its threads, from /proc/PID/stat; HAProxy and stunnel
# each run as one process here).
#
# Fair settings for a 2-core machine: HAProxy `nbthread` = cores (its default is also the core count; said
# explicitly); stunnel makes a thread per connection (its only model); `ktls proxy` runs a virtual thread per
# direction of each connection on the JVM's carriers (one per core). Nobody uses splice here: HAProxy cannot with TLS
# on a side, stunnel never does, and `ktls proxy` splices only with the TLS session in the kernel.
#
# Prints a Markdown table of medians with ratios ktls/haproxy and ktls/stunnel, the CPU per unit of work, the
# per-round values and `uptime`; writes them to $OUT (raw.tsv, table.md, uptime.txt, header.txt).
#
# Needs: apt-get install haproxy stunnel4 nginx wrk curl openssl python3; the jar: ./mvnw -q -B -DskipTests package
#        -pl ktls4j-cli -am
# Usage: ktls4j-bench/src/bench/proxy-compare.sh [ROUNDS]   (env: DURATION=10 BIG_MIB=1024 OUT=dir KEEP=1
#        PROXIES="ktls haproxy stunnel" picks and orders the proxies; FIGURES="down up wrk_4k" the figures)
set -euo pipefail

ROUNDS="${1:-${ROUNDS:-3}}"
DURATION="${DURATION:-10}"
BIG_MIB="${BIG_MIB:-1024}"
BASE="${BASE_PORT:-9460}" # nginx BASE, discard BASE+1; proxy i listens on BASE+10+2i (to nginx) and +1 (to discard)
read -r -a names <<< "${PROXIES:-ktls haproxy stunnel}"
read -r -a figures <<< "${FIGURES:-down up wrk_4k}"
for fig in "${figures[@]}"; do
  case "$fig" in
    down|up|wrk_4k) ;;
    *) echo "proxy-compare: unknown figure $fig in FIGURES (down up wrk_4k)" >&2; exit 2 ;;
  esac
done
SUITE=TLS_AES_128_GCM_SHA256

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../../bin/find-jdk.sh
. "$repo/bin/find-jdk.sh"
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
ktls4j_find_jdk > /dev/null || { echo "proxy-compare: no JDK >= 22 found" >&2; exit 1; }
OUT="${OUT:-$repo/ktls4j-bench/target/proxy-compare}"

missing=""
for tool in haproxy stunnel4 nginx wrk curl openssl python3; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "proxy-compare: missing:$missing  (as root: apt-get update && apt-get install -y haproxy stunnel4 nginx wrk" \
    "curl openssl python3)" >&2
  exit 1
fi
if [ ! -f "$repo/ktls4j-cli/target/ktls.jar" ]; then
  echo "proxy-compare: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-cli -am" >&2
  exit 1
fi

bench_workdir proxy-compare
mkdir -p "$OUT"
bench_certificate "$tmp"
log "creating test files (${BIG_MIB} MiB and 4 KiB of random bytes) in $tmp/www"
head -c $((BIG_MIB << 20)) /dev/urandom > "$tmp/www/big.bin"
head -c 4096 /dev/urandom > "$tmp/www/4k.bin"
big_size=$((BIG_MIB << 20))

nginx_port=$BASE
discard_port=$((BASE + 1))
declare -A port=() upload_port=() pid=()
i=0
for s in "${names[@]}"; do
  port[$s]=$((BASE + 10 + 2 * i))
  upload_port[$s]=$((BASE + 11 + 2 * i))
  i=$((i + 1))
done

# ---- the backends
cat > "$tmp/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
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
$(bench_nginx_temp_paths "$tmp/nginx/tmp")
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
EOF
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx.out" 2>&1 &
pids+=($!)

cat > "$tmp/discard.py" <<'EOF'
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Discard(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        left = int(self.headers.get("Content-Length", "0"))
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        while left > 0:
            n = self.rfile.readinto(view[:min(left, len(buf))])
            if not n:
                break
            left -= n
        body = b"discarded\n"
        self.send_response(200 if left == 0 else 400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Discard).serve_forever()
EOF
python3 "$tmp/discard.py" "$discard_port" > "$tmp/discard.out" 2>&1 &
pids+=($!)

# ---- the proxies
cat "$tmp/cert.pem" "$tmp/key.pem" > "$tmp/haproxy.pem"
for s in "${names[@]}"; do
  case "$s" in
    ktls) # the launcher execs java: its pid is the proxy JVM's
      "$repo/ktls" proxy --backend software --cert "$tmp/cert.pem" --key "$tmp/key.pem" --tls 1.3 \
        --ciphers "$SUITE" --quiet --state-dir "$tmp/ktls-state" \
        --listen "127.0.0.1:${port[$s]}" --to "127.0.0.1:$nginx_port" \
        --listen "127.0.0.1:${upload_port[$s]}" --to "127.0.0.1:$discard_port" > "$tmp/$s.out" 2>&1 & ;;
    haproxy)
      cat > "$tmp/haproxy.cfg" <<EOF
global
  nbthread $(nproc)
  maxconn 8192
  ssl-default-bind-ciphersuites $SUITE
  ssl-default-bind-options ssl-min-ver TLSv1.3
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend to_nginx
  bind 127.0.0.1:${port[$s]} ssl crt $tmp/haproxy.pem
  default_backend nginx
frontend to_discard
  bind 127.0.0.1:${upload_port[$s]} ssl crt $tmp/haproxy.pem
  default_backend discard
backend nginx
  server nginx 127.0.0.1:$nginx_port
backend discard
  server discard 127.0.0.1:$discard_port
EOF
      haproxy -db -f "$tmp/haproxy.cfg" > "$tmp/$s.out" 2>&1 & ;;
    stunnel)
      cat > "$tmp/stunnel.conf" <<EOF
foreground = yes
pid =
output = $tmp/stunnel.log
[to_nginx]
accept = 127.0.0.1:${port[$s]}
connect = 127.0.0.1:$nginx_port
cert = $tmp/cert.pem
key = $tmp/key.pem
sslVersionMin = TLSv1.3
ciphersuites = $SUITE
[to_discard]
accept = 127.0.0.1:${upload_port[$s]}
connect = 127.0.0.1:$discard_port
cert = $tmp/cert.pem
key = $tmp/key.pem
sslVersionMin = TLSv1.3
ciphersuites = $SUITE
EOF
      stunnel4 "$tmp/stunnel.conf" > "$tmp/$s.out" 2>&1 & ;;
    *) echo "proxy-compare: unknown proxy $s (ktls haproxy stunnel)" >&2; exit 2 ;;
  esac
  pids+=($!)
  pid[$s]=$!
done

url() { echo "https://localhost:${port[$1]}/$2"; }
upload_url() { echo "https://localhost:${upload_port[$1]}/upload"; }
bench_client_suite "$tmp" "$SUITE"
for s in "${names[@]}"; do
  bench_await_up proxy-compare "$s" "$(url "$s" 4k.bin)" "$tmp/cert.pem" "$tmp/$s.out"
  negotiated="$(curl -sv --cacert "$tmp/cert.pem" -o /dev/null "$(url "$s" 4k.bin)" 2>&1 | sed -n 's/^\* SSL connection using //p')"
  log "$s is up: $negotiated"
done

TIMEFORMAT='%U %S'
proxy_cpu() { bench_cpu "${pid[$1]}"; }

# Each run prints: value units errors proxy_cpu_s client_cpu_s (units: MB or requests)
run_curl() { # proxy down|up
  local s="$1" dir="$2" c0 c1 out
  c0="$(proxy_cpu "$s")"
  if [ "$dir" = down ]; then
    { time curl -s --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null \
        -w '%{http_code} %{size_download} %{speed_download}' "$(url "$s" big.bin)" > "$tmp/curl.out" || true ; } 2> "$tmp/time.out"
  else
    { time curl -s --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null -H 'Expect:' \
        -T "$tmp/www/big.bin" -w '%{http_code} %{size_upload} %{speed_upload}' "$(upload_url "$s")" > "$tmp/curl.out" || true ; } 2> "$tmp/time.out"
  fi
  c1="$(proxy_cpu "$s")"
  out="$(cat "$tmp/curl.out")"
  set -- $out
  if [ "${1:-}" = 200 ] && [ "${2:-}" = "$big_size" ]; then
    echo "$3 $2 $c0 $c1 $(cat "$tmp/time.out")" | awk '{printf "%.1f %.1f - %.2f %.2f\n", $1 / 1e6, $2 / 1e6, $4 - $3, $5 + $6}'
  else
    echo "FAIL($out) 0 - - -" | tr -s ' ' | sed 's/(\([^)]*\) \([^)]*\))/(\1_\2)/g'
  fi
}

run_wrk() { # proxy
  bench_wrk "$tmp" req "proxy_cpu $1" -t2 -c64 -d"${DURATION}s" --timeout 10s "$(url "$1" 4k.bin)"
}

# ---- warm-up (JIT, page cache): each figure once per proxy, not recorded
log "warm-up"
for s in "${names[@]}"; do
  run_curl "$s" down > /dev/null
  run_curl "$s" up > /dev/null
  (DURATION=5 run_wrk "$s" > /dev/null)
done

run_figure() { # figure proxy
  case "$1" in
    down) run_curl "$2" down ;;
    up) run_curl "$2" up ;;
    wrk_4k) run_wrk "$2" ;;
  esac
}
raw="$OUT/raw.tsv"
loads="$OUT/uptime.txt"
bench_rounds proxy run_figure

# ---- tables
declare -A title=(
  [down]="${BIG_MIB} MiB download, 1 connection (curl), MB/s"
  [up]="${BIG_MIB} MiB upload, 1 connection (curl -T), MB/s"
  [wrk_4k]="4 KiB file, keep-alive, 64 connections (wrk -t2 -c64), requests/s"
)
declare -A unit=([down]="ms/MB" [up]="ms/MB" [wrk_4k]="µs/req")
declare -A scale=([down]=1000 [up]=1000 [wrk_4k]=1000000)
declare -A label=([ktls]="ktls proxy (software)" [haproxy]="HAProxy" [stunnel]="stunnel")
others=()
for s in "${names[@]}"; do [ "$s" = ktls ] || others+=("$s"); done
table="$OUT/table.md"
{
  printf '| figure |'
  for s in "${names[@]}"; do printf ' %s |' "${label[$s]}"; done
  for o in "${others[@]}"; do printf ' ktls/%s |' "$o"; done
  echo
  printf '|---|'
  for _ in "${names[@]}" "${others[@]}"; do printf -- '---:|'; done
  echo
  for fig in "${figures[@]}"; do
    printf '| %s |' "${title[$fig]}"
    for s in "${names[@]}"; do printf ' %s |' "$(bench_fmt "$(bench_median "$fig" "$s")" 0)"; done
    for o in "${others[@]}"; do
      printf ' %s (%s) |' "$(bench_ratio "$(bench_median "$fig" ktls)" "$(bench_median "$fig" "$o")")" \
        "$(bench_fmt "$(bench_round_ratio "$fig" ktls "$o")" 2)"
    done
    echo
  done
  echo
  echo "Medians of $ROUNDS rounds, ${DURATION} s per wrk run; ratios: of the medians (in brackets: the median of the"
  echo "same-round ratios)."
  echo
  echo "CPU time per unit of work (medians over the rounds; user + system; proxy = its process with all its threads,"
  echo "client = curl or wrk):"
  echo
  bench_cost_table proxy
  echo
  bench_round_values
} > "$table"
{
  echo "# proxy-compare $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# $(nproc) CPUs, $(uname -r), $(haproxy -v 2>&1 | head -1 | cut -c1-40), $(stunnel4 -version 2>&1 | grep -m1 '^stunnel' | cut -c1-40),"
  echo "# $(openssl version), $(nginx -v 2>&1), $(wrk -v 2>&1 | head -1 | cut -c1-40), $(curl --version | head -1 | cut -d' ' -f1-2)"
} > "$OUT/header.txt"
cat "$OUT/header.txt" "$table"
