#!/usr/bin/env bash
# Memory per idle TLS connection, side by side: nginx (Debian, OpenSSL) and `ktls serve --backend software`, same
# P-256 certificate, TLS 1.3 TLS_AES_128_GCM_SHA256. Each round, for each server (interleaved; the first server
# rotates): N connections are opened by io.ktls4j.bench.IdleConnections (JSSE, one full handshake and one 4 KiB GET
# each, then idle keep-alive), the server's RSS is read before and after (/proc/PID/status VmRSS, all of nginx's
# processes), and for ktls serve the Java heap in use after a full GC (jcmd GC.run, GC.heap_info) before and after.
# Then the connections close and RSS is read again after 10 s (does memory come back?). Both servers are started
# afresh each round, so every round measures what a server that has not served before grows by.
# Prints a Markdown table of medians: KiB of RSS per connection for each, KiB of heap per connection for ktls, the
# ratio ktls/nginx, and RSS after the clients left; writes $OUT/raw.tsv, table.md, uptime.txt.
#
# Needs: apt-get install nginx openssl; ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am
# Usage: ktls4j-bench/src/bench/idle-memory.sh [ROUNDS]   (env: N=1000 OUT=dir KTLS_OPTS="..." extra serve options)
set -euo pipefail
ROUNDS="${1:-3}"
N="${N:-1000}"
NGINX_PORT="${NGINX_PORT:-9543}"
KTLS_PORT="${KTLS_PORT:-9544}"
SUITE=TLS_AES_128_GCM_SHA256
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=../../../bin/find-jdk.sh
. "$repo/bin/find-jdk.sh"
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
jdk="$(ktls4j_find_jdk)" || { echo "idle-memory: no JDK >= 22 found" >&2; exit 1; }
OUT="${OUT:-$repo/ktls4j-bench/target/idle-memory}"
bench_jar="$repo/ktls4j-bench/target/benchmarks.jar"
[ -f "$bench_jar" ] || { echo "idle-memory: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-cli,ktls4j-bench -am" >&2; exit 1; }
command -v nginx >/dev/null || { echo "idle-memory: needs nginx (apt-get install nginx)" >&2; exit 1; }

bench_workdir idle-memory
mkdir -p "$OUT"
ulimit -n 65536 2>/dev/null || true

bench_certificate "$tmp"
head -c 4096 /dev/urandom > "$tmp/www/4k.bin"
cat > "$tmp/nginx/nginx.conf" <<NGINX
worker_processes $(nproc);
worker_rlimit_nofile 65536;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 300;
  keepalive_requests 1000000;
$(bench_nginx_temp_paths "$tmp/nginx/tmp")
$(bench_nginx_tls_server "127.0.0.1:$NGINX_PORT" "$SUITE" "$tmp")
}
NGINX
start_servers() { # fresh processes each round: a server that served a round before keeps the memory it grew to
  nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" > "$tmp/nginx.out" 2>&1 &
  nginx_pid=$!
  # shellcheck disable=SC2086
  "$repo/ktls" serve "$tmp/www" --port "$KTLS_PORT" --backend software --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
    --tls 1.3 --ciphers "$SUITE" --quiet --keepalive-timeout 300 --max-connections $((N + 100)) \
    --max-connections-per-ip $((N + 100)) ${KTLS_OPTS:-} > "$tmp/ktls.out" 2>&1 &
  ktls_pid=$!
  pids=("$nginx_pid" "$ktls_pid")
  local s
  for s in nginx ktls; do
    bench_await_up idle-memory "$s" "https://localhost:${port[$s]}/4k.bin" "$tmp/cert.pem" "$tmp/$s.out"
  done
  log "nginx and ktls serve are up"
}
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
declare -A port=([nginx]=$NGINX_PORT [ktls]=$KTLS_PORT)

rss_kib() { # all processes of a server
  local list
  case "$1" in
    nginx) list="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')" ;;
    ktls) list="$ktls_pid" ;;
  esac
  for p in $list; do awk '/^VmRSS:/ {print $2}' "/proc/$p/status"; done | awk '{t += $1} END {print t}'
}
heap_kib() { # ktls serve's heap in use after a full GC
  "$jdk/bin/jcmd" "$ktls_pid" GC.run >/dev/null
  "$jdk/bin/jcmd" "$ktls_pid" GC.heap_info | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -1
}

printf "round\tserver\trss_before_kib\trss_after_kib\trss_per_conn_kib\theap_before_kib\theap_after_kib\theap_per_conn_kib\trss_10s_after_close_kib\n" > "$OUT/raw.tsv"
servers=(nginx ktls)
for r in $(seq "$ROUNDS"); do
  start_servers
  order=("${servers[@]}"); [ $((r % 2)) = 0 ] && order=(ktls nginx)
  for s in "${order[@]}"; do
    h0=""; [ "$s" = ktls ] && h0="$(heap_kib)"
    sleep 2
    r0="$(rss_kib "$s")"
    coproc CLIENT { "$jdk/bin/java" -Xmx1g -cp "$bench_jar" io.ktls4j.bench.IdleConnections "${port[$s]}" "$N" \
      "$tmp/cert.pem" /4k.bin 2>"$tmp/client.err"; }
    read -r ready _ <&"${CLIENT[0]}" || { cat "$tmp/client.err" >&2; exit 1; }
    [ "$ready" = READY ] || { echo "idle-memory: client said $ready" >&2; exit 1; }
    sleep 2
    h1=""; [ "$s" = ktls ] && h1="$(heap_kib)"
    r1="$(rss_kib "$s")"
    exec {CLIENT[1]}>&-
    wait "$CLIENT_PID" 2>/dev/null || true
    sleep 10
    [ "$s" = ktls ] && heap_kib >/dev/null
    r2="$(rss_kib "$s")"
    per=$(( (r1 - r0) / N ))
    hper=""; [ -n "$h0" ] && hper=$(( (h1 - h0) / N ))
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$r" "$s" "$r0" "$r1" "$per" "$h0" "$h1" "$hper" "$r2" >> "$OUT/raw.tsv"
    log "round $r $s: RSS $r0 -> $r1 KiB ($per KiB/conn)${hper:+, heap $h0 -> $h1 KiB ($hper KiB/conn)}, $r2 KiB 10 s after they closed"
  done
  stop_servers
done
uptime > "$OUT/uptime.txt"
awk -F'\t' 'NR > 1 { v[$2] = v[$2] " " $5; h[$2] = h[$2] " " $8; c[$2] = c[$2] " " $9 }
  function med(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END {
    printf "| server | RSS per idle connection (KiB) | heap per idle connection after GC (KiB) | RSS 10 s after the clients left (KiB) |\n|---|--:|--:|--:|\n"
    printf "| nginx | %s | | %s |\n", med(v["nginx"]), med(c["nginx"])
    printf "| ktls serve (software) | %s | %s | %s |\n", med(v["ktls"]), med(h["ktls"]), med(c["ktls"])
    printf "\nktls/nginx RSS per connection: %.2f\n", med(v["ktls"]) / med(v["nginx"])
  }' "$OUT/raw.tsv" | tee "$OUT/table.md"
echo "load: $(cat "$OUT/uptime.txt")"
