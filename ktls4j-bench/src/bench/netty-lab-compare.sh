#!/usr/bin/env bash
# ktls4j-netty's example server in the kernel lab (a kTLS kernel under qemu, ktls4j-lab/src/lab/lab.sh), three ways
# in the same VM and run: KtlsHandler with TX in the kernel (--backend kernel_required: FileRegion bodies by
# sendfile), and SslHandler on the JDK's and on BoringSSL's engine (netty-tcnative; 64 KiB chunked bodies). Epoll,
# one event loop each, TLS 1.3 with TLS_AES_128_GCM_SHA256, the same P-256 certificate and file.
#
# Figures, per round, the servers interleaved (the first rotates each round):
#   curl_big  one-connection download of the file (curl -w '%{speed_download}')
#   wrk_1m    wrk -t1 -c4 -d${DURATION}s on a 1 MiB file (wrk sizes its latency histogram by --timeout: 20 s)
# and the CPU time (user + system, from the guest's /proc/PID/stat) each server spent per MB. Under qemu's software
# emulation everything is ~100x slower than on the host: the MB/s say nothing about a real machine; the ratios of
# CPU per MB between servers in the same VM are the figure (all run the same emulated instructions, AES-NI
# included).
#
# Needs: the lab (ktls4j-lab/src/lab/lab.sh --check), curl, wrk and openssl on the host (the guest uses the host's),
# and the jar: ./mvnw -q -B -DskipTests package -pl ktls4j-bench -am
# Usage: ktls4j-bench/src/bench/netty-lab-compare.sh [ROUNDS]    (env: MIB=32 DURATION=20 WARMUP=240 OUT=dir TIMEOUT=3000
#        KERNEL_ROOT=~/.cache/ktls4j/kernels/current boots the newer lab kernel)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
bench_jar="$repo/ktls4j-bench/target/benchmarks.jar"

if [ "${1:-}" != --guest ]; then
  ROUNDS="${1:-5}"
  OUT="${OUT:-$repo/ktls4j-bench/target/netty-lab-compare}"
  [ -f "$bench_jar" ] || { echo "netty-lab-compare: build first: ./mvnw -q -B -DskipTests package -pl ktls4j-bench -am" >&2; exit 1; }
  # shellcheck source=../../../bin/find-jdk.sh
  . "$repo/bin/find-jdk.sh"
  jdk="$(ktls4j_find_jdk)" || { echo "netty-lab-compare: no JDK >= 22 found" >&2; exit 1; }
  mkdir -p "$OUT"
  "$repo/ktls4j-lab/src/lab/lab.sh" --out "$OUT" --cwd "$OUT" --timeout "${TIMEOUT:-3000}" \
    ${KERNEL_ROOT:+--kernel-root "$KERNEL_ROOT"} --env "JDK=$jdk" --env "MIB=${MIB:-32}" \
    --env "DURATION=${DURATION:-20}" --env "WARMUP=${WARMUP:-240}" -- bash "$repo/ktls4j-bench/src/bench/netty-lab-compare.sh" --guest "$ROUNDS"
  cat "$OUT/header.txt" "$OUT/table.md"
  exit 0
fi

# ---- in the guest
ROUNDS="${2:-5}"
OUT="$PWD" # lab.sh's writable export
tmp=/tmp/nlc
mkdir -p "$tmp/www"
# shellcheck source=bench-lib.sh
. "$repo/ktls4j-bench/src/bench/bench-lib.sh"
SUITE=TLS_AES_128_GCM_SHA256
bench_certificate "$tmp"
head -c $((MIB << 20)) /dev/urandom > "$tmp/www/big.bin"
head -c $((1 << 20)) /dev/urandom > "$tmp/www/1m.bin"
size=$((MIB << 20))

names=(netty-ktls netty-jdk netty-openssl)
declare -A port=([netty-ktls]=9447 [netty-jdk]=9448 [netty-openssl]=9449)
declare -A pid=()
for s in "${names[@]}"; do
  tls="${s#netty-}"
  "$JDK/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC \
    -Xmx512m -cp "$bench_jar" io.ktls4j.netty.example.StaticFileServer --port "${port[$s]}" \
    --cert "$tmp/cert.pem" --key "$tmp/key.pem" --root "$tmp/www" --transport epoll --threads 1 --tls "$tls" \
    --backend kernel_required --protocols TLSv1.3 --suites "$SUITE" --handshake-timeout 300 --log \
    > "$OUT/$s.out" 2>&1 &
  pid[$s]=$!
done
url() { echo "https://localhost:${port[$1]}/${2:-big.bin}"; }
for s in "${names[@]}"; do
  bench_await_up netty-lab-compare "$s" "$(url "$s")" "$tmp/cert.pem" "$OUT/$s.out" 600
done
log "servers up: $(grep -m1 StaticFileServer "$OUT/netty-ktls.out")"

hz="$(getconf CLK_TCK)"
cpu() { sed 's/^.*) //' "/proc/${pid[$1]}/stat" | awk -v hz="$hz" '{printf "%.2f\n", ($12 + $13) / hz}'; }

run_curl() {
  local s="$1" c0 c1 out
  c0="$(cpu "$s")"
  out="$(curl -s --max-time 3000 --cacert "$tmp/cert.pem" --tlsv1.3 --tls13-ciphers "$SUITE" -o /dev/null \
    -w '%{http_code} %{size_download} %{speed_download}' "$(url "$s")")"
  c1="$(cpu "$s")"
  set -- $out
  [ "$1" = 200 ] && [ "$2" = "$size" ] || { echo "netty-lab-compare: $s answered $out" >&2; exit 1; }
  awk -v v="$3" -v c0="$c0" -v c1="$c1" -v mb="$(( size ))" 'BEGIN {printf "%.2f %.2f %.2f\n", v / 1e6, mb / 1e6, c1 - c0}'
}
run_wrk() {
  local s="$1" c0 c1 out
  c0="$(cpu "$s")"
  out="$(wrk -t1 -c4 -d"${DURATION}s" --timeout 20s "$(url "$s" 1m.bin)" |
    awk '/requests in/ {r = $1} /Socket errors|Non-2xx/ {e = e $0} END {print r + 0, (e == "" ? "ok" : "ERR")}')"
  c1="$(cpu "$s")"
  set -- $out
  [ "$2" = ok ] && [ "$1" -gt 0 ] || { echo "netty-lab-compare: wrk on $s: $out" >&2; exit 1; }
  awk -v r="$1" -v d="$DURATION" -v size="$((1 << 20))" -v c0="$c0" -v c1="$c1" \
    'BEGIN {mb = r * size / 1e6; printf "%.2f %.2f %.2f\n", mb / d, mb, c1 - c0}'
}

stat_before="$(cat /proc/net/tls_stat)"
# The JVMs compile their hot paths first; under emulation that takes minutes of CPU (C2 runs ~100x slower too), and
# a round before it ends measures the JIT, not the server. Each slice's CPU per MB goes to the log.
log "warm-up: one download each, then wrk for ${WARMUP}s on each server"
for s in "${names[@]}"; do run_curl "$s" > /dev/null; done
for s in "${names[@]}"; do
  for _ in $(seq $(( WARMUP / DURATION ))); do
    read -r _ mb c <<< "$(run_wrk "$s")"
    log "  warm-up $s: $mb MB, $(awk -v mb="$mb" -v c="$c" 'BEGIN {printf "%.1f", c / mb * 1e3}') ms of CPU per MB"
  done
done
raw="$OUT/raw.tsv"
printf 'round\tfigure\tserver\tMB_per_s\tMB\tserver_cpu_s\n' > "$raw"
for r in $(seq "$ROUNDS"); do
  k=$(( (r - 1) % ${#names[@]} ))
  order=("${names[@]:$k}" "${names[@]:0:$k}")
  log "round $r/$ROUNDS (${order[*]}); $(uptime)"
  for fig in curl_big wrk_1m; do
    for s in "${order[@]}"; do
      if [ "$fig" = curl_big ]; then res="$(run_curl "$s")"; else res="$(run_wrk "$s")"; fi
      printf '%s\t%s\t%s\t%s\n' "$r" "$fig" "$s" "$(echo "$res" | tr ' ' '\t')" >> "$raw"
      log "  $fig $s: $res"
    done
  done
done
stat_after="$(cat /proc/net/tls_stat)"

med() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v f="$1" -v s="$2" -v c="$3" '$2 == f && $3 == s {print $c}' "$raw" | med; }
msmb() { awk -F'\t' -v f="$1" -v s="$2" '$2 == f && $3 == s && $5 > 0 {print $6 / $5 * 1000}' "$raw" | med; }
rr() { # same-round ratio of server CPU per MB, a over b
  awk -F'\t' -v f="$1" -v a="$2" -v b="$3" '$2 == f {v[$1 "," $3] = $6 / $5; r[$1] = 1}
    END {for (i in r) if (v[i "," b] > 0) print v[i "," a] / v[i "," b]}' "$raw" | med; }
{
  echo "| figure | KtlsHandler (TX kernel) MB/s | SslHandler JDK MB/s | SslHandler OpenSSL MB/s | server ms/MB: KtlsHandler | JDK | OpenSSL | CPU/MB KtlsHandler/OpenSSL | KtlsHandler/JDK |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for fig in curl_big wrk_1m; do
    printf '| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |\n' "$fig" \
      "$(col "$fig" netty-ktls 4)" "$(col "$fig" netty-jdk 4)" "$(col "$fig" netty-openssl 4)" \
      "$(msmb "$fig" netty-ktls)" "$(msmb "$fig" netty-jdk)" "$(msmb "$fig" netty-openssl)" \
      "$(rr "$fig" netty-ktls netty-openssl)" "$(rr "$fig" netty-ktls netty-jdk)"
  done
  echo
  echo "Medians of $ROUNDS rounds; CPU-per-MB ratios: medians of the same-round ratios."
  echo
  echo '```'
  echo "handshake lines of the KtlsHandler server (first):"
  grep -m1 '^handshake' "$OUT/netty-ktls.out" || true
  echo "tls_stat before and after the rounds:"
  # no process substitution: the guest has no /dev/fd
  printf '%s\n' "$stat_before" > "$tmp/tls_stat.before"
  printf '%s\n' "$stat_after" | awk '{print $2}' > "$tmp/tls_stat.after"
  paste "$tmp/tls_stat.before" "$tmp/tls_stat.after"
  echo '```'
} > "$OUT/table.md"
{
  echo "# netty-lab-compare $(date -u +%FT%TZ), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "# guest: Linux $(uname -r), $(nproc) vCPUs (qemu TCG), $("$JDK/bin/java" -version 2>&1 | head -1), $(curl --version | head -1 | cut -d' ' -f1-2), file ${MIB} MiB, wrk ${DURATION} s"
} > "$OUT/header.txt"
for s in "${names[@]}"; do kill "${pid[$s]}" 2>/dev/null || true; done
