#!/usr/bin/env bash
# Side-by-side HTTPS file serving on loopback: nginx (Debian, OpenSSL), `ktls serve --backend software` and a
# JSSE server (Netty with the JDK's SSLEngine, io.ktls4j.bench.http.JsseFileServer). Same P-256 certificate, TLS 1.3
# with TLS_AES_128_GCM_SHA256 only on all three, same files.
# SERVERS picks others: netty-ktls, netty-jdk and netty-openssl are ktls4j-netty's example server
# (io.ktls4j.netty.example.StaticFileServer, epoll) with KtlsHandler (--backend from NETTY_BACKEND, default auto), or
# with SslHandler on the JDK's or netty-tcnative's OpenSSL (BoringSSL) engine (netty-ktls-region: KtlsHandler with
# --bodies region, FileRegions even where it seals in software); RATIOS says which ratios to print.
#
# Figures, per round, the three servers interleaved (the first server rotates each round, so a load change hits
# all alike):
#   1. one-connection download of a 1 GiB file:      curl --tlsv1.3 --tls13-ciphers ... -w '%{speed_download}'
#   2. 64-connection throughput on a 1 MiB file:     wrk -t2 -c64 -d${DURATION}s (body+head bytes / s)
#   3. keep-alive requests/s on a 4 KiB file:        wrk -t2 -c64 -d${DURATION}s
#   4. new TLS connections/s, full handshakes:       ${SCLIENTS} x openssl s_time -new -www /4k.bin (HTTP/1.0,
#                                                     one 4 KiB GET per connection, never resumed)
#   4b. resumed TLS 1.3 connections/s:              ${SCLIENTS} x openssl s_time -reuse (figure stime_reuse: after
#                                                     one full handshake, every connection offers the session's
#                                                     ticket; a server that issues none does full handshakes)
#   5. new connections/s as wrk makes them:          wrk -t2 -c64 -H 'Connection: close' on the 4 KiB file; wrk
#                                                     resumes TLS sessions where the server issues tickets
#   4c. (only when asked for: FIGURES=...) stime_new12 and stime_reuse12, figures 4 and 4b over TLS 1.2 with
#       ECDHE-ECDSA-AES128-GCM-SHA256 (s_time resumes by RFC 5077 ticket); the servers then allow TLS 1.2 with that
#       one suite too (nginx, ktls, JSSE, base only)
# Prints a Markdown table of medians with ratios ktls/nginx and ktls/JSSE, the CPU time that server and client
# spent per MB, request or connection (from /proc/PID/stat and bash's `time`), the per-round values and `uptime`;
# writes them to $OUT (raw.tsv, table.md, uptime.txt, header.txt).
#
# Needs: apt-get install nginx wrk curl openssl; the jars: ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am
# Usage: ktls4j-bench/src/bench/http-compare.sh [ROUNDS]      (env: DURATION=10 SCLIENTS=8 BIG_MIB=1024 OUT=dir
#        KEEP=1 keeps the temp dir; JAVA_TOOL_OPTIONS reaches both JVMs; JSSE_JAVA_OPTS only the JSSE server;
#        FIGURES="wrk_1m wrk_4k" runs only those (of curl_big wrk_1m wrk_4k stime_new stime_reuse wrk_close, and
#        stime_new12 stime_reuse12);
#        BASELINE_JAR=old/ktls.jar adds a fourth server, `java -jar old/ktls.jar serve` with the same options, for a
#        before/after comparison in the same run;
#        SERVERS="netty-ktls netty-jdk netty-openssl" RATIOS="netty-ktls/netty-jdk netty-ktls/netty-openssl" runs
#        the Netty comparison; NETTY_JAVA_OPTS reaches the Netty servers' JVMs)
set -euo pipefail

ROUNDS="${1:-${ROUNDS:-3}}"
DURATION="${DURATION:-10}"
SCLIENTS="${SCLIENTS:-8}"
BIG_MIB="${BIG_MIB:-1024}"
NGINX_PORT="${NGINX_PORT:-9443}"
KTLS_PORT="${KTLS_PORT:-9444}"
JSSE_PORT="${JSSE_PORT:-9445}"
BASE_PORT="${BASE_PORT:-9446}"
NETTY_PORT="${NETTY_PORT:-9447}" # netty-ktls; netty-jdk and netty-openssl take the next two
read -r -a names <<< "${SERVERS:-nginx ktls jsse}"
if [ -n "${BASELINE_JAR:-}" ]; then
  names+=(base)
fi
read -r -a ratios <<< "${RATIOS:-ktls/nginx ktls/jsse${BASELINE_JAR:+ ktls/base}}"
has() { [[ " ${names[*]} " == *" $1 "* ]]; }
SUITE=TLS_AES_128_GCM_SHA256
read -r -a figures <<< "${FIGURES:-curl_big wrk_1m wrk_4k stime_new stime_reuse wrk_close}"
# TLS 1.2 figures: the servers allow TLS 1.2 with this one suite as well
SUITE12=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
CIPHER12=ECDHE-ECDSA-AES128-GCM-SHA256
ktls_tls=(--tls 1.3 --ciphers "$SUITE")
jsse_tls=()
if [[ " ${figures[*]} " == *12" "* ]]; then
  export BENCH_TLS12_CIPHER="$CIPHER12"
  ktls_tls=(--tls "1.2,1.3" --ciphers "$SUITE,$SUITE12")
  jsse_tls=(--tls12 "$SUITE12")
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../../bin/find-jdk.sh
. "$repo/bin/find-jdk.sh"
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
jdk="$(ktls4j_find_jdk)" || { echo "http-compare: no JDK >= 22 found" >&2; exit 1; }
OUT="${OUT:-$repo/ktls4j-bench/target/http-compare}"

missing=""
tools="wrk curl openssl"
if has nginx; then tools="nginx $tools"; fi
for tool in $tools; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "http-compare: missing:$missing  (as root: apt-get update && apt-get install -y nginx wrk curl openssl)" >&2
  exit 1
fi
bench_jar="$repo/ktls4j-bench/target/benchmarks.jar"
if [ ! -f "$bench_jar" ] || { has ktls && [ ! -f "$repo/ktls4j-cli/target/ktls.jar" ]; }; then
  echo "http-compare: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am" >&2
  exit 1
fi

bench_workdir http-compare
mkdir -p "$OUT"

# ---- certificate (one ECDSA P-256 pair for all three) and files
bench_certificate "$tmp"
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
$(bench_nginx_temp_paths "$tmp/nginx/tmp")
  default_type application/octet-stream;
$(bench_nginx_tls_server "127.0.0.1:$NGINX_PORT" "$SUITE" "$tmp")
}
EOF

declare -A port=([nginx]=$NGINX_PORT [ktls]=$KTLS_PORT [jsse]=$JSSE_PORT [base]=$BASE_PORT
  [netty-ktls]=$NETTY_PORT [netty-jdk]=$((NETTY_PORT + 1)) [netty-openssl]=$((NETTY_PORT + 2))
  [netty-ktls-region]=$((NETTY_PORT + 3)))
declare -A pid=()
log "starting ${names[*]}"
for s in "${names[@]}"; do
  case "$s" in
    nginx)
      nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx.out" 2>&1 & ;;
    ktls) # the launcher execs java: its pid is the server JVM's
      "$repo/ktls" serve "$tmp/www" --port "$KTLS_PORT" --backend software --cert "$tmp/cert.pem" \
        --key "$tmp/key.pem" "${ktls_tls[@]}" --quiet > "$tmp/ktls.out" 2>&1 & ;;
    jsse)
      # shellcheck disable=SC2086
      "$jdk/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ${JSSE_JAVA_OPTS:-} \
        -cp "$bench_jar" io.ktls4j.bench.http.JsseFileServer --port "$JSSE_PORT" --cert "$tmp/cert.pem" \
        --key "$tmp/key.pem" --root "$tmp/www" "${jsse_tls[@]}" > "$tmp/jsse.out" 2>&1 & ;;
    base)
      "$jdk/bin/java" --enable-native-access=ALL-UNNAMED -jar "$BASELINE_JAR" serve "$tmp/www" --port "$BASE_PORT" \
        --backend software --cert "$tmp/cert.pem" --key "$tmp/key.pem" "${ktls_tls[@]}" --quiet \
        > "$tmp/base.out" 2>&1 & ;;
    netty-ktls|netty-jdk|netty-openssl|netty-ktls-region)
      tls="${s#netty-}"
      bodies=auto
      if [ "$s" = netty-ktls-region ]; then tls=ktls; bodies=region; fi
      # shellcheck disable=SC2086
      "$jdk/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow ${NETTY_JAVA_OPTS:-} \
        -cp "$bench_jar" io.ktls4j.netty.example.StaticFileServer --port "${port[$s]}" --cert "$tmp/cert.pem" \
        --key "$tmp/key.pem" --root "$tmp/www" --transport epoll --tls "$tls" --bodies "$bodies" \
        --backend "${NETTY_BACKEND:-auto}" --protocols TLSv1.3 --suites "$SUITE" > "$tmp/$s.out" 2>&1 & ;;
    *) echo "http-compare: unknown server $s (nginx ktls jsse netty-ktls netty-jdk netty-openssl" \
         "netty-ktls-region)" >&2; exit 2 ;;
  esac
  pids+=($!)
  pid[$s]=$!
done

url() { echo "https://localhost:${port[$1]}/$2"; }

# The clients (curl, wrk, s_time) offer TLS_AES_128_GCM_SHA256 only: BoringSSL (netty-openssl) cannot restrict TLS
# 1.3 suites on the server side and would follow wrk's preference for AES-256-GCM.
bench_client_suite "$tmp" "$SUITE"

for s in "${names[@]}"; do
  bench_await_up http-compare "$s" "$(url "$s" 4k.bin)" "$tmp/cert.pem" "$tmp/$s.out"
  negotiated="$(curl -sv --cacert "$tmp/cert.pem" -o /dev/null "$(url "$s" 4k.bin)" 2>&1 | sed -n 's/^\* SSL connection using //p')"
  log "$s is up: $negotiated"
done

# CPU time (user + system, seconds) of a server's processes: nginx's master and workers, or the JVM
server_cpu() {
  case "$1" in
    nginx) bench_cpu "${pid[nginx]}" $(pgrep -P "${pid[nginx]}" | tr '\n' ' ') ;;
    *) bench_cpu "${pid[$1]}" ;;
  esac
}
TIMEFORMAT='%U %S'

# Each run prints: value units errors server_cpu_s client_cpu_s
#   units: the amount the CPU time is divided by (MB, requests or connections); errors: wrk's socket errors/non-2xx
run_wrk() { # server per(mb|req) file extra-args...
  local s="$1" per="$2" f="$3"
  shift 3
  bench_wrk "$tmp" "$per" "server_cpu $s" -t2 -c64 -d"${DURATION}s" --timeout 10s "$@" "$(url "$s" "$f")"
}

run_curl() { # server
  local s="$1" c0 c1 out
  c0="$(server_cpu "$s")"
  { time curl -s --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null \
      -w '%{http_code} %{size_download} %{speed_download}' "$(url "$s" big.bin)" > "$tmp/curl.out" || true ; } 2> "$tmp/time.out"
  c1="$(server_cpu "$s")"
  out="$(cat "$tmp/curl.out")"
  set -- $out
  if [ "${1:-}" = 200 ] && [ "${2:-}" = "$big_size" ]; then
    echo "$3 $2 $c0 $c1 $(cat "$tmp/time.out")" | awk '{printf "%.1f %.1f - %.2f %.2f\n", $1 / 1e6, $2 / 1e6, $4 - $3, $5 + $6}'
  else
    echo "FAIL($out) 0 - - -" | tr -s ' ' | sed 's/(\([^)]*\) \([^)]*\))/(\1_\2)/g'
  fi
}

run_stime() { # server [seconds] [-new|-reuse] [1.2]: handshakes/s from SCLIENTS parallel `openssl s_time` clients
  local s="$1" secs="${2:-$DURATION}" mode="${3:--new}" i t0 t1 c0 c1 total tls=(-tls1_3 -ciphersuites "$SUITE")
  if [ "${4:-}" = 1.2 ]; then tls=(-tls1_2 -cipher "$CIPHER12"); fi
  c0="$(server_cpu "$s")"
  t0="$(date +%s.%N)"
  { time (
    for i in $(seq "$SCLIENTS"); do
      timeout $((secs + 30)) openssl s_time -connect "localhost:${port[$s]}" "$mode" -time "$secs" -www /4k.bin \
        "${tls[@]}" > "$tmp/stime.$i" 2>&1 &
    done
    wait ) ; } 2> "$tmp/time.out"
  t1="$(date +%s.%N)"
  c1="$(server_cpu "$s")"
  total="$(cat "$tmp"/stime.* | awk '/connections in .* real seconds/ {c += $1} END {print c + 0}')"
  rm -f "$tmp"/stime.*
  echo "$total $t0 $t1 $c0 $c1 $(cat "$tmp/time.out")" |
    awk '{printf "%.1f %d - %.2f %.2f\n", $1 / ($3 - $2), $1, $5 - $4, $6 + $7}'
}

# ---- warm-up (JIT, page cache): every figure once per server, 5 s each, not recorded
log "warm-up"
for s in "${names[@]}"; do
  (DURATION=5 run_wrk "$s" mb 1m.bin > /dev/null)
  (DURATION=5 run_wrk "$s" req 4k.bin > /dev/null)
  (DURATION=5 run_wrk "$s" req 4k.bin -H 'Connection: close' > /dev/null)
  run_stime "$s" 5 > /dev/null
  run_stime "$s" 5 -reuse > /dev/null
  run_curl "$s" > /dev/null
done

run_figure() { # figure server
  case "$1" in
    curl_big) run_curl "$2" ;;
    wrk_1m) run_wrk "$2" mb 1m.bin ;;
    wrk_4k) run_wrk "$2" req 4k.bin ;;
    stime_new) run_stime "$2" ;;
    stime_reuse) run_stime "$2" "$DURATION" -reuse ;;
    stime_new12) run_stime "$2" "$DURATION" -new 1.2 ;;
    stime_reuse12) run_stime "$2" "$DURATION" -reuse 1.2 ;;
    wrk_close) run_wrk "$2" req 4k.bin -H 'Connection: close' ;;
  esac
}
raw="$OUT/raw.tsv"
loads="$OUT/uptime.txt"
bench_rounds server run_figure

# ---- tables (bench-lib's bench_median, bench_cost, bench_round_ratio ... over $raw)
declare -A title=(
  [curl_big]="${BIG_MIB} MiB download, 1 connection (curl), MB/s"
  [wrk_1m]="1 MiB file, 64 connections (wrk -t2 -c64), MB/s"
  [wrk_4k]="4 KiB file, keep-alive, 64 connections (wrk -t2 -c64), requests/s"
  [stime_new]="new TLS connections/s, full handshakes (${SCLIENTS} x openssl s_time -new, one 4 KiB GET each)"
  [stime_reuse]="resumed TLS connections/s (${SCLIENTS} x openssl s_time -reuse, one 4 KiB GET each)"
  [stime_new12]="TLS 1.2 new connections/s, full handshakes (${SCLIENTS} x openssl s_time -new -tls1_2)"
  [stime_reuse12]="TLS 1.2 resumed connections/s, RFC 5077 tickets (${SCLIENTS} x openssl s_time -reuse -tls1_2)"
  [wrk_close]="new connections/s, wrk -t2 -c64 'Connection: close' on 4 KiB (wrk resumes sessions where tickets are issued)"
)
declare -A unit=([curl_big]="ms/MB" [wrk_1m]="ms/MB" [wrk_4k]="µs/req" [stime_new]="µs/conn" [stime_reuse]="µs/conn"
  [wrk_close]="µs/conn" [stime_new12]="µs/conn" [stime_reuse12]="µs/conn")
declare -A scale=([curl_big]=1000 [wrk_1m]=1000 [wrk_4k]=1000000 [stime_new]=1000000 [stime_reuse]=1000000
  [wrk_close]=1000000 [stime_new12]=1000000 [stime_reuse12]=1000000)
declare -A label=([nginx]="nginx" [ktls]="ktls serve (software)" [jsse]="JSSE (Netty)"
  [base]="ktls before (BASELINE_JAR)" [netty-ktls]="Netty + KtlsHandler" [netty-jdk]="Netty + SslHandler (JDK)"
  [netty-openssl]="Netty + SslHandler (OpenSSL)" [netty-ktls-region]="Netty + KtlsHandler, FileRegion bodies")
declare -A short=([nginx]=nginx [ktls]=ktls [jsse]=JSSE [base]=before [netty-ktls]=KtlsHandler [netty-jdk]=JDK
  [netty-openssl]=OpenSSL [netty-ktls-region]=KtlsHandler-region)
table="$OUT/table.md"
{
  printf '| figure |'
  for s in "${names[@]}"; do printf ' %s |' "${label[$s]}"; done
  for r in "${ratios[@]}"; do printf ' %s/%s |' "${short[${r%/*}]}" "${short[${r#*/}]}"; done
  echo
  printf '|---|'
  for _ in "${names[@]}" "${ratios[@]}"; do printf -- '---:|'; done
  echo
  for fig in "${figures[@]}"; do
    printf '| %s |' "${title[$fig]}"
    for s in "${names[@]}"; do printf ' %s |' "$(bench_fmt "$(bench_median "$fig" "$s")" 0)"; done
    for r in "${ratios[@]}"; do
      a="${r%/*}"; b="${r#*/}"
      printf ' %s (%s) |' "$(bench_ratio "$(bench_median "$fig" "$a")" "$(bench_median "$fig" "$b")")" \
        "$(bench_fmt "$(bench_round_ratio "$fig" "$a" "$b")" 2)"
    done
    echo
  done
  echo
  echo "Medians of $ROUNDS rounds, ${DURATION} s per wrk/s_time run; ratios: of the medians (in brackets: the median of"
  echo "the same-round ratios)."
  echo
  echo "CPU time per unit of work (medians over the rounds; user + system; server = all its processes and threads,"
  echo "client = curl, wrk or the s_time clients):"
  echo
  bench_cost_table server
  echo
  bench_round_values
} > "$table"
{
  echo "# http-compare $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# $(nproc) CPUs, $(uname -r), $("$jdk/bin/java" -version 2>&1 | head -1), $(nginx -v 2>&1), $(openssl version),"
  echo "# $(wrk -v 2>&1 | head -1 | cut -c1-40), $(curl --version | head -1 | cut -d' ' -f1-2)"
} > "$OUT/header.txt"
cat "$OUT/header.txt" "$table"
