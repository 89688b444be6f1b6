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
# "ssl_conf_command Options KTLS;") is added as it is.
bench_nginx_tls_server() {
  local listen="$1" suite="$2" dir="$3" d
  shift 3
  echo "  server {"
  echo "    listen $listen ssl;"
  echo "    server_name localhost;"
  echo "    ssl_certificate $dir/cert.pem;"
  echo "    ssl_certificate_key $dir/key.pem;"
  echo "    ssl_protocols TLSv1.3;"
  echo "    ssl_conf_command Ciphersuites $suite;"
  for d in "$@"; do
    echo "    $d"
  done
  echo "    root $dir/www;"
  echo "  }"
}
