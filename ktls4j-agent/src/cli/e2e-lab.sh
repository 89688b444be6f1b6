#!/bin/bash
# `ktls agent` + `ktls serve --agent` + curl inside the kernel lab, with the record layer in the kernel (manual check).
# the record layer in the kernel. Run from the repository root:
#   ktls4j-lab/src/lab/lab.sh --out ktls4j-agent/target/e2eout --timeout 300 -- ktls4j-agent/src/cli/e2e-lab.sh
# Verified before the wiring with the same two commands on a classpath of the patched CLI (4 MB over TLS 1.3 and
# 1.2 intact, tx=KERNEL_SW rx=KERNEL_SW, agent exit 143 after SIGTERM).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
JAR="${KTLS_JAR:-$here/ktls4j-cli/target/ktls.jar}"
J="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
ktls() { "$J" --enable-native-access=ALL-UNNAMED -jar "$JAR" "$@"; }
W=/tmp/e2e; mkdir -p $W/www $W/st; head -c 4000000 /dev/urandom > $W/www/blob.bin
ktls agent --socket $W/a.sock --state-dir $W/st > $W/agent.out 2> $W/agent.err & AG=$!
for i in $(seq 1 60); do [ -S $W/a.sock ] && break; sleep 1; done
ktls serve --agent $W/a.sock --port 18443 $W/www > $W/serve.out 2> $W/serve.err & SV=$!
for i in $(seq 1 60); do grep -q "status:" $W/serve.out && break; sleep 1; done
cat $W/serve.out
rc=0
for v in 1.3 1.2; do
  if curl -sS --cacert $W/st/localhost-cert.pem --tlsv$v --tls-max $v -o $W/got.bin https://localhost:18443/blob.bin \
      && cmp $W/got.bin $W/www/blob.bin; then echo "E2E TLS $v: 4 MB fetched intact"; else echo "E2E TLS $v FAILED"; rc=1; fi
done
grep -E "TlsTxSw|TlsRxSw" /proc/net/tls_stat
cat $W/serve.err
grep -q "tx=KERNEL_SW rx=KERNEL_SW (agent)" $W/serve.err || { echo "E2E: not in the kernel"; rc=1; }
grep -E "OK|listening" $W/agent.err
kill $SV $AG; wait $AG; echo "agent exit $?"
exit $rc
