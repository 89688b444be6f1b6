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

# bench_await_up SCRIPT NAME URL CACERT OUTPUT: polls URL with curl for up to 120 s; when the server NAME never
# answers, prints its OUTPUT file and exits 1, naming SCRIPT.
bench_await_up() {
  local script="$1" name="$2" url="$3" cacert="$4" output="$5" _
  for _ in $(seq 240); do
    if curl -sf --cacert "$cacert" -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  echo "$script: $name did not come up at $url; its output:" >&2
  cat "$output" >&2 || true
  exit 1
}
