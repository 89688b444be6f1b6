# Shared by the loopback benchmarks (sourced, not run): the client-side suite restriction and the wait for a server.

# bench_client_suite DIR SUITE: an OpenSSL configuration in DIR that makes OpenSSL-based clients (curl, wrk, s_time)
# offer only the TLS 1.3 suite SUITE, exported as OPENSSL_CONF. Servers that cannot restrict TLS 1.3 suites on their
# side (BoringSSL) would otherwise follow wrk's preference for AES-256-GCM.
bench_client_suite() {
  cat > "$1/openssl-client.cnf" <<CNF
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Ciphersuites = $2
CNF
  export OPENSSL_CONF="$1/openssl-client.cnf"
}

# bench_await_up SCRIPT NAME URL CACERT OUTPUT [SECONDS]: polls URL with curl for up to SECONDS (default 120; a JVM
# in the lab's emulated guest needs minutes for its first answer); when the server NAME never answers, prints its
# OUTPUT file and exits 1, naming SCRIPT.
bench_await_up() {
  local script="$1" name="$2" url="$3" cacert="$4" output="$5" limit="${6:-120}"
  local deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -sf --max-time "$limit" --cacert "$cacert" -r 0-0 -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  echo "$script: $name did not come up at $url within $limit s; its output:" >&2
  cat "$output" >&2 || true
  exit 1
}

# bench_workdir SCRIPT: a fresh directory /tmp/SCRIPT.XXXXXX as $tmp, with www/ (readable by nginx's workers, which
# run as www-data) and nginx/tmp; at exit, every process in the array $pids is stopped and $tmp removed (kept with
# KEEP=1).
bench_workdir() {
  bench_script="$1"
  tmp="$(mktemp -d "/tmp/$1.XXXXXX")"
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$tmp/www" "$tmp/nginx/tmp"
  chmod 755 "$tmp" "$tmp/www"
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "$bench_script: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}

log() { echo "[$(date +%T)] $*" >&2; }

# bench_certificate DIR: DIR/key.pem and DIR/cert.pem, one ECDSA P-256 pair for localhost that every server uses.
bench_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/key.pem" -out "$1/cert.pem" \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost -days 7 2>/dev/null
}

# bench_nginx_temp_paths DIR: nginx's temporary-file directives (inside http {}), all under DIR, so that a private
# nginx needs no write access to the system's directories.
bench_nginx_temp_paths() {
  local k
  for k in client_body proxy fastcgi uwsgi scgi; do
    echo "  ${k}_temp_path $1;"
  done
}

# bench_nginx_tls_server LISTEN SUITE DIR [DIRECTIVE...]: the server block (inside http {}) every benchmark's nginx
# uses: TLS 1.3 with the one suite SUITE, DIR/cert.pem and DIR/key.pem, files from DIR/www; each DIRECTIVE (e.g.
# "ssl_conf_command Options KTLS;") is added as it is. With BENCH_TLS12_CIPHER set (an OpenSSL cipher name), TLS 1.2
# with that one cipher too.
bench_nginx_tls_server() {
  local listen="$1" suite="$2" dir="$3" d
  shift 3
  echo "  server {"
  echo "    listen $listen ssl;"
  echo "    server_name localhost;"
  echo "    ssl_certificate $dir/cert.pem;"
  echo "    ssl_certificate_key $dir/key.pem;"
  if [ -n "${BENCH_TLS12_CIPHER:-}" ]; then
    echo "    ssl_protocols TLSv1.2 TLSv1.3;"
    echo "    ssl_ciphers $BENCH_TLS12_CIPHER;"
  else
    echo "    ssl_protocols TLSv1.3;"
  fi
  echo "    ssl_conf_command Ciphersuites $suite;"
  for d in "$@"; do
    echo "    $d"
  done
  echo "    root $dir/www;"
  echo "  }"
}

# bench_cpu PID...: the CPU time (user + system, seconds) the processes PID... have used, with all their threads.
bench_cpu() {
  local p
  for p in "$@"; do
    sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null || true
  done | awk -v hz="$(getconf CLK_TCK)" '{t += $12 + $13} END {printf "%.2f\n", t / hz}'
}

# bench_wrk DIR PER CPU_CMD WRK_ARGS...: runs `wrk WRK_ARGS...` (with DIR/report.lua, written here, for exact
# counts) and prints "value units errors server_cpu_s client_cpu_s": value is MB/s (PER=mb) or requests/s (PER=req);
# units is what the CPU time is divided by (MB or requests); errors is "socket errors/non-2xx"; server_cpu_s is what
# the command CPU_CMD (e.g. "bench_cpu 123") printed after the run minus before it; client_cpu_s is wrk's own.
bench_wrk() {
  local dir="$1" per="$2" cpu="$3" c0 c1 line TIMEFORMAT="%U %S"
  shift 3
  cat > "$dir/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
end
LUA
  c0="$($cpu)"
  { time wrk -s "$dir/report.lua" "$@" > "$dir/wrk.out" ; } 2> "$dir/time.out"
  c1="$($cpu)"
  line="$(grep '^WRKRESULT' "$dir/wrk.out")"
  echo "$line $c0 $c1 $(cat "$dir/time.out")" | awk -v per="$per" '{
    d = $2 / 1e6; mb = $4 / 1e6
    v = per == "mb" ? mb / d : $3 / d; u = per == "mb" ? mb : $3
    printf "%.1f %.1f %d/%d %.2f %.2f\n", v, u, $5 + $6 + $7 + $9, $8, $11 - $10, $12 + $13 }'
}

# The tables, over $raw: a TSV of runs with the columns round, figure, server, value, units, errors, server CPU
# seconds, client CPU seconds (and anything after). A value that is not a number (a failed run) is left out.
bench_med() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# bench_median FIGURE SERVER: the median value over the rounds
bench_median() {
  awk -F'\t' -v f="$1" -v s="$2" '$2 == f && $3 == s && $4 ~ /^[0-9.]+$/ {print $4}' "$raw" | bench_med
}
# bench_cost FIGURE SERVER COLUMN SCALE: the median over the rounds of (CPU column / units) * SCALE
bench_cost() {
  awk -F'\t' -v f="$1" -v s="$2" -v c="$3" -v k="$4" '$2 == f && $3 == s && $c ~ /^[0-9.]+$/ && $5 > 0 {print $c / $5 * k}' "$raw" | bench_med
}
# bench_round_ratio FIGURE A B: the median over the rounds of the same-round ratio A/B
bench_round_ratio() {
  awk -F'\t' -v f="$1" -v a="$2" -v b="$3" '$2 == f && $4 ~ /^[0-9.]+$/ {v[$1 "," $3] = $4; r[$1] = 1}
    END {for (i in r) if ((i "," a) in v && (i "," b) in v && v[i "," b] > 0) print v[i "," a] / v[i "," b]}' "$raw" | bench_med
}
# bench_runs FIGURE SERVER: the values in round order; bench_errs: wrk's errors summed over the rounds
bench_runs() { awk -F'\t' -v f="$1" -v s="$2" '$2 == f && $3 == s {printf "%s%s", sep, $4; sep = " "}' "$raw"; }
bench_errs() { awk -F'\t' -v f="$1" -v s="$2" '$2 == f && $3 == s && $6 != "-" {split($6, e, "/"); a += e[1]; b += e[2]; n++} END {if (n) printf "%d/%d", a, b; else printf "-"}' "$raw"; }
bench_fmt() { awk -v x="$1" -v d="${2:-1}" 'BEGIN {if (x == "nan") print "-"; else printf "%.*f\n", d, x}'; }
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2f\n", a / b}'; }

# bench_cost_table WHO: the table of CPU time per unit of work, WHO (e.g. "server" or "proxy") then "client" for each
# of the names in the array $names, one row per figure of the array $figures, with the arrays $unit (per figure: its
# unit) and $scale (per figure: seconds to that unit), from $raw's columns 7 and 8.
bench_cost_table() {
  local col s fig
  printf '| figure | unit |'
  for col in "$1" client; do
    for s in "${names[@]}"; do printf ' %s: %s |' "$col" "$s"; done
  done
  echo
  printf '|---|---|'
  for _ in "${names[@]}" "${names[@]}"; do printf -- '---:|'; done
  echo
  for fig in "${figures[@]}"; do
    printf '| %s | %s |' "$fig" "${unit[$fig]}"
    for col in 7 8; do
      for s in "${names[@]}"; do
        printf ' %s |' "$(bench_fmt "$(bench_cost "$fig" "$s" "$col" "${scale[$fig]}")" 2)"
      done
    done
    echo
  done
}

# bench_round_values: the values of each figure and name in round order with wrk's errors, and the file $loads (the
# uptime at each round's start and end), as a code block.
bench_round_values() {
  local fig s
  echo "Per-round values (round order) and wrk errors (socket errors/non-2xx, summed over the rounds):"
  echo
  echo '```'
  for fig in "${figures[@]}"; do
    for s in "${names[@]}"; do
      printf '%-10s %-8s %s   errors %s\n' "$fig" "$s" "$(bench_runs "$fig" "$s")" "$(bench_errs "$fig" "$s")"
    done
  done
  cat "$loads"
  echo '```'
}

# bench_rounds SERVER_COLUMN RUN: $ROUNDS rounds over the figures of the array $figures and the names of the array
# $names, the first name rotating each round; `RUN FIGURE NAME` prints one run's "value units errors server_cpu_s
# client_cpu_s". Writes the runs to $raw (with the 1-minute load at the round's start; SERVER_COLUMN names the
# CPU column: server, proxy, ...) and the uptime at each round's start and end to $loads.
bench_rounds() {
  local r shift_by up load1 fig s res order
  printf 'round\tfigure\t%s\tvalue\tunits\terrors\t%s_cpu_s\tclient_cpu_s\tload1\n' "$1" "$1" > "$raw"
  : > "$loads"
  for r in $(seq "$ROUNDS"); do
    shift_by=$(( (r - 1) % ${#names[@]} ))
    order=("${names[@]:$shift_by}" "${names[@]:0:$shift_by}")
    up="$(uptime)"
    echo "round $r start: $up" >> "$loads"
    load1="$(echo "$up" | sed 's/.*load average: \([0-9.]*\).*/\1/')"
    log "round $r/$ROUNDS (order ${order[*]}); $up"
    for fig in "${figures[@]}"; do
      for s in "${order[@]}"; do
        res="$("$2" "$fig" "$s")"
        printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$fig" "$s" "$(echo "$res" | tr ' ' '\t')" "$load1" >> "$raw"
        log "  $fig $s: $res"
      done
    done
    echo "round $r end:   $(uptime)" >> "$loads"
  done
}
