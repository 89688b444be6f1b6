#!/usr/bin/env bash
# `ktls serve`'s kernel path against nginx's own kTLS, in the kernel lab (a kTLS kernel under qemu,
# ktls4j-lab/src/lab/lab.sh), four servers in the same VM and run, all with sendfile, TLS 1.3 TLS_AES_128_GCM_SHA256
# and the same P-256 certificate and files:
#   nginx-ktls   Debian's nginx with OpenSSL's kTLS (ssl_conf_command Options KTLS)
#   ktls-kernel  ktls serve --backend kernel
#   nginx        the same nginx without kTLS (OpenSSL encrypts in user space)
#   ktls-sw      ktls serve --backend software
# Figures, per round, the servers interleaved (the first rotates each round):
#   curl_big  one-connection download of a ${MIB} MiB file; server CPU per MB
#   wrk_4k    wrk -t1 -c4 -d${DURATION}s on a 4 KiB file, keep-alive; server CPU per request
# CPU is user + system time of every process of the server (/proc/PID/stat, the guest's), so the kernel's encryption
# in a sendfile counts for whoever called it. Each run also reads /proc/net/tls_stat around it: the kTLS servers must
# open kernel TLS sessions (TlsTxSw) and the user-space ones none, or the script fails. Under qemu's software
# emulation everything is ~100x slower than on a real machine: MB/s and requests/s say nothing; the ratios of CPU per
# MB and per request between servers in the same VM are the figure.
#
# Needs: the lab (ktls4j-lab/src/lab/lab.sh --check), nginx, curl, wrk and openssl on the host (the guest uses the
# host's), and the jar: ./mvnw -q -B -DskipTests package -pl ktls4j-cli -am
# Usage: ktls4j-bench/src/bench/serve-lab-compare.sh [ROUNDS]    (env: MIB=64 DURATION=20 WARMUP=240 OUT=dir TIMEOUT=3600
#        KERNEL_ROOT=~/.cache/ktls4j/kernels/current boots the newer lab kernel)
#        ktls4j-bench/src/bench/serve-lab-compare.sh --summarize [OUT]   redoes the table from OUT/raw.tsv
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
ktls_jar="$repo/ktls4j-cli/target/ktls.jar"

# The table from $OUT/raw.tsv (and the tls_stat snapshots): run in the guest after the rounds, or on the host with
# --summarize to redo it.
summarize() {
raw="$OUT/raw.tsv"
med() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v f="$1" -v s="$2" -v c="$3" '$2 == f && $3 == s {print $c}' "$raw" | med; }
per() { # server CPU ms per MB (curl_big) or µs per request (wrk_4k)
  awk -F'\t' -v f="$1" -v s="$2" '$2 == f && $3 == s && $5 > 0 {print $6 / $5 * (f == "curl_big" ? 1e3 : 1e6)}' "$raw" | med; }
rr() { # same-round ratio of server CPU per unit of work, a over b
  awk -F'\t' -v f="$1" -v a="$2" -v b="$3" '$2 == f {v[$1 "," $3] = $6 / $5; r[$1] = 1}
    END {for (i in r) if (v[i "," b] > 0) print v[i "," a] / v[i "," b]}' "$raw" | med; }
{
  echo "| figure | nginx kTLS | ktls kernel | nginx | ktls software | CPU ktls-kernel/nginx-ktls | ktls-kernel/nginx | ktls-kernel/ktls-sw |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for fig in curl_big wrk_4k; do
    unit="$([ "$fig" = curl_big ] && echo 'ms/MB' || echo 'µs/req')"
    printf '| %s server CPU %s | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |\n' "$fig" "$unit" \
      "$(per "$fig" nginx-ktls)" "$(per "$fig" ktls-kernel)" "$(per "$fig" nginx)" "$(per "$fig" ktls-sw)" \
      "$(rr "$fig" ktls-kernel nginx-ktls)" "$(rr "$fig" ktls-kernel nginx)" "$(rr "$fig" ktls-kernel ktls-sw)"
    rate="$([ "$fig" = curl_big ] && echo 'MB/s' || echo 'req/s')"
    printf '| %s %s (emulated) | %.1f | %.1f | %.1f | %.1f | | | |\n' "$fig" "$rate" \
      "$(col "$fig" nginx-ktls 4)" "$(col "$fig" ktls-kernel 4)" "$(col "$fig" nginx 4)" "$(col "$fig" ktls-sw 4)"
  done
  echo
  echo "Medians of $(awk -F'\t' 'NR > 1 {print $1}' "$raw" | sort -u | wc -l) rounds; ratios: medians of the same-round ratios of server CPU per unit."
  echo "Kernel sessions per run (TlsTxSw/TlsRxSw deltas, median): nginx-ktls tx $(col curl_big nginx-ktls 7) rx" \
    "$(col curl_big nginx-ktls 8) on a download, tx $(col wrk_4k nginx-ktls 7) rx $(col wrk_4k nginx-ktls 8) under wrk;" \
    "ktls-kernel tx $(col curl_big ktls-kernel 7) rx $(col curl_big ktls-kernel 8), tx $(col wrk_4k ktls-kernel 7)" \
    "rx $(col wrk_4k ktls-kernel 8)."
  echo
  echo '```'
  echo "tls_stat before and after the rounds:"
  if [ -f "$OUT/tls_stat.before" ]; then # no process substitution: the guest has no /dev/fd
    awk '{print $2}' "$OUT/tls_stat.after" > "$OUT/tls_stat.after.values"
    paste "$OUT/tls_stat.before" "$OUT/tls_stat.after.values"
  fi
  echo '```'
} > "$OUT/table.md"
}

if [ "${1:-}" = --summarize ]; then
  OUT="${2:-$repo/ktls4j-bench/target/serve-lab-compare}"
  summarize
  cat "$OUT/table.md"
  exit 0
fi
if [ "${1:-}" != --guest ]; then
  ROUNDS="${1:-3}"
  OUT="${OUT:-$repo/ktls4j-bench/target/serve-lab-compare}"
  [ -f "$ktls_jar" ] || { echo "serve-lab-compare: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-cli -am" >&2; exit 1; }
  for tool in nginx curl wrk openssl; do
    command -v "$tool" >/dev/null || { echo "serve-lab-compare: needs $tool (apt-get install $tool)" >&2; exit 1; }
  done
  # shellcheck source=../../../bin/find-jdk.sh
  . "$repo/bin/find-jdk.sh"
  jdk="$(ktls4j_find_jdk)" || { echo "serve-lab-compare: no JDK >= 22 found" >&2; exit 1; }
  mkdir -p "$OUT"
  "$repo/ktls4j-lab/src/lab/lab.sh" --out "$OUT" --cwd "$OUT" --timeout "${TIMEOUT:-3600}" \
    ${KERNEL_ROOT:+--kernel-root "$KERNEL_ROOT"} --env "JDK=$jdk" --env "MIB=${MIB:-64}" \
    --env "DURATION=${DURATION:-20}" --env "WARMUP=${WARMUP:-240}" -- bash "$repo/ktls4j-bench/src/bench/serve-lab-compare.sh" --guest "$ROUNDS"
  cat "$OUT/header.txt" "$OUT/table.md"
  exit 0
fi

# ---- in the guest
ROUNDS="${2:-3}"
OUT="$PWD" # lab.sh's writable export
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
bench_workdir serve-lab-compare
SUITE=TLS_AES_128_GCM_SHA256
bench_certificate "$tmp"
bench_client_suite "$tmp" "$SUITE"
head -c $((MIB << 20)) /dev/urandom > "$tmp/www/big.bin"
head -c 4096 /dev/urandom > "$tmp/www/4k.bin"
size=$((MIB << 20))

names=(nginx-ktls ktls-kernel nginx ktls-sw)
declare -A port=([nginx-ktls]=9461 [ktls-kernel]=9462 [nginx]=9463 [ktls-sw]=9464)
declare -A pid=()
nginx_conf() { # NAME KTLS_LINE
  mkdir -p "$tmp/$1/tmp"
  cat > "$tmp/$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/$1/nginx.pid;
error_log $tmp/$1/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 300;
  keepalive_requests 1000000;
$(bench_nginx_temp_paths "$tmp/$1/tmp")
  default_type application/octet-stream;
$(bench_nginx_tls_server "127.0.0.1:${port[$1]}" "$SUITE" "$tmp" ${2:+"$2"})
}
EOF
}
for s in "${names[@]}"; do
  case "$s" in
    nginx-ktls|nginx)
      nginx_conf "$s" "$([ "$s" = nginx-ktls ] && echo 'ssl_conf_command Options KTLS;')"
      nginx -e "$tmp/$s/error.log" -p "$tmp/$s" -c "$tmp/$s/nginx.conf" > "$OUT/$s.out" 2>&1 & ;;
    ktls-kernel|ktls-sw)
      backend="$([ "$s" = ktls-kernel ] && echo kernel || echo software)"
      "$JDK/bin/java" "@$repo/bin/serve.jvm-options" -XX:+UseCompactObjectHeaders -jar "$ktls_jar" serve \
        "$tmp/www" --port "${port[$s]}" --backend "$backend" --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
        --tls 1.3 --ciphers "$SUITE" --handshake-timeout 300 --quiet > "$OUT/$s.out" 2>&1 & ;;
  esac
  pid[$s]=$!
  pids+=($!)
done
url() { echo "https://localhost:${port[$1]}/${2:-big.bin}"; }
for s in "${names[@]}"; do
  bench_await_up serve-lab-compare "$s" "$(url "$s")" "$tmp/cert.pem" "$OUT/$s.out" 600
done
log "servers up"

hz="$(getconf CLK_TCK)"
# CPU seconds of a server: its process and its children (nginx's workers)
cpu() {
  local p total=0
  for p in "${pid[$1]}" $(pgrep -P "${pid[$1]}" || true); do
    total=$(( total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}') ))
  done
  awk -v t="$total" -v hz="$hz" 'BEGIN {printf "%.2f\n", t / hz}'
}
tls_tx_sw() { awk '$1 == "TlsTxSw" {print $2}' /proc/net/tls_stat; }
tls_rx_sw() { awk '$1 == "TlsRxSw" {print $2}' /proc/net/tls_stat; }

# Each prints: rate (MB/s or requests/s), work (MB or requests), server CPU seconds, kernel TX sessions, RX sessions
run_curl() {
  local s="$1" c0 c1 t0 r0 out
  c0="$(cpu "$s")"; t0="$(tls_tx_sw)"; r0="$(tls_rx_sw)"
  out="$(curl -s --max-time 3000 --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null \
    -w '%{http_code} %{size_download} %{speed_download}' "$(url "$s")")"
  c1="$(cpu "$s")"
  set -- $out
  [ "$1" = 200 ] && [ "$2" = "$size" ] || { echo "serve-lab-compare: $s answered $out" >&2; exit 1; }
  awk -v v="$3" -v c0="$c0" -v c1="$c1" -v b="$size" -v tx="$(( $(tls_tx_sw) - t0 ))" -v rx="$(( $(tls_rx_sw) - r0 ))" \
    'BEGIN {printf "%.2f %.2f %.2f %d %d\n", v / 1e6, b / 1e6, c1 - c0, tx, rx}'
}
run_wrk() {
  local s="$1" c0 c1 t0 r0 out
  c0="$(cpu "$s")"; t0="$(tls_tx_sw)"; r0="$(tls_rx_sw)"
  out="$(wrk -t1 -c4 -d"${DURATION}s" --timeout 20s "$(url "$s" 4k.bin)" |
    awk '/requests in/ {r = $1} /Socket errors|Non-2xx/ {e = e $0} END {print r + 0, (e == "" ? "ok" : "ERR")}')"
  c1="$(cpu "$s")"
  set -- $out
  [ "$2" = ok ] && [ "$1" -gt 0 ] || { echo "serve-lab-compare: wrk on $s: $out" >&2; exit 1; }
  awk -v r="$1" -v d="$DURATION" -v c0="$c0" -v c1="$c1" -v tx="$(( $(tls_tx_sw) - t0 ))" -v rx="$(( $(tls_rx_sw) - r0 ))" \
    'BEGIN {printf "%.1f %d %.2f %d %d\n", r / d, r, c1 - c0, tx, rx}'
}

cat /proc/net/tls_stat > "$OUT/tls_stat.before"
# The JVMs compile their hot paths first; under emulation that takes minutes of CPU (C2 runs ~100x slower too), and
# a round before it ends measures the JIT, not the server. Each slice's CPU per request goes to the log.
log "warm-up: one download each, then wrk on the JVM servers for ${WARMUP}s each"
for s in "${names[@]}"; do run_curl "$s" > /dev/null; done
for s in ktls-kernel ktls-sw; do
  for _ in $(seq $(( WARMUP / DURATION ))); do
    read -r _ n c _ <<< "$(run_wrk "$s")"
    log "  warm-up $s: $n requests, $(awk -v n="$n" -v c="$c" 'BEGIN {printf "%.0f", c / n * 1e6}') µs of CPU each"
  done
done
raw="$OUT/raw.tsv"
printf 'round\tfigure\tserver\trate\twork\tserver_cpu_s\tkernel_tx_sessions\tkernel_rx_sessions\n' > "$raw"
for r in $(seq "$ROUNDS"); do
  k=$(( (r - 1) % ${#names[@]} ))
  order=("${names[@]:$k}" "${names[@]:0:$k}")
  log "round $r/$ROUNDS (${order[*]}); $(uptime)"
  for fig in curl_big wrk_4k; do
    for s in "${order[@]}"; do
      if [ "$fig" = curl_big ]; then res="$(run_curl "$s")"; else res="$(run_wrk "$s")"; fi
      read -r _ _ _ tx _ <<< "$res"
      case "$s" in
        nginx-ktls|ktls-kernel) [ "$tx" -gt 0 ] || { echo "serve-lab-compare: $s opened no kernel TX session ($res)" >&2; exit 1; } ;;
        *) [ "$tx" -eq 0 ] || { echo "serve-lab-compare: $s opened $tx kernel TX sessions ($res)" >&2; exit 1; } ;;
      esac
      printf '%s\t%s\t%s\t%s\n' "$r" "$fig" "$s" "$(echo "$res" | tr ' ' '\t')" >> "$raw"
      log "  $fig $s: $res"
    done
  done
done
cat /proc/net/tls_stat > "$OUT/tls_stat.after"

summarize
{
  echo "# serve-lab-compare $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# guest: Linux $(uname -r), $(nproc) vCPUs (qemu TCG), $("$JDK/bin/java" -version 2>&1 | head -1), $(nginx -v 2>&1), $(openssl version), file ${MIB} MiB, wrk ${DURATION} s"
} > "$OUT/header.txt"
