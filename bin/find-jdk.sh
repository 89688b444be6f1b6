# Sourced by ./mvnw (POSIX sh) and ./ktls (bash): prints the home of the newest JDK >= 22 on this machine.
ktls4j_jdk_major() {
  local rel="$1/release" v
  [ -x "$1/bin/java" ] && [ -f "$rel" ] || return 1
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  [ -n "$v" ] && echo "$v"
}
ktls4j_find_jdk() {
  local best="" bestv=0 d v
  if [ -n "${KTLS4J_JDK:-}" ] && v=$(ktls4j_jdk_major "$KTLS4J_JDK") && [ "$v" -ge 22 ]; then
    echo "$KTLS4J_JDK"; return 0
  fi
  for d in /usr/lib/jvm/* /opt/java/* "$HOME"/.jdks/* ${JAVA_HOME:-}; do
    [ -d "$d" ] || continue
    v=$(ktls4j_jdk_major "$d") || continue
    if [ "$v" -ge 22 ] && [ "$v" -gt "$bestv" ]; then best="$d"; bestv="$v"; fi
  done
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}
