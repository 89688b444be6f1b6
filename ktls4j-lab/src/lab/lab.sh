#!/usr/bin/env bash
# The ktls4j kernel lab: runs one command as root inside a Debian 6.1 kernel (CONFIG_TLS=m) booted under
# qemu (TCG), whose root file system is this machine's own root, shared read-only over 9p. The guest therefore
# sees the same JDK, ~/.m2 and target/ directories at the same paths. One writable 9p export (--out) carries
# results back; it is mounted in the guest at the same path as on the host.
#
#   lab.sh --check                      print "<kernel version> <vmlinuz>" and exit 0 if the lab can run here,
#                                       else print a one-line reason and exit 3
#   lab.sh [options] -- COMMAND [ARG]...
#     --out DIR          writable export, emptied first (default: ktls4j-lab/target/lab/out)
#     --no-tls-module    boot with module_blacklist=tls: the tls module cannot be loaded, not even on demand
#     --timeout SECS     host-side limit for the whole VM run (default 900); qemu is killed after it
#     --env NAME=VALUE   export NAME=VALUE to the command (repeatable)
#     --cwd DIR          working directory of the command in the guest (default: the current directory)
#     --kernel-root DIR  boot an unpacked kernel instead of the host's /boot one: DIR/usr/lib/modules/<version>/
#                        holds vmlinuz and the modules (fetch-kernel.sh makes one); the guest sees that directory
#                        as /lib/modules
#
# In the guest the command runs as root with the host's PATH (and JAVA_HOME if set), HOME=/tmp, KTLS4J_IN_LAB=1,
# KTLS4J_LAB_KERNEL=<kernel version>, KTLS4J_LAB_TLS_MODULE=1|0; / is read-only, /tmp and /run are tmpfs.
# Exit status: the command's own; 3 lab unavailable; 124 timeout; 125 lab failure (the guest never reported an
# exit code). The guest console goes to <out>.console.log next to the --out directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_dir="$(cd "$here/../.." && pwd)"
lab_dir="$module_dir/target/lab"
# Inserted in this order (no modprobe in the initramfs); each resolved with modinfo for the lab kernel.
initramfs_modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache
                   9pnet 9pnet_virtio 9p)

die() { echo "lab.sh: $*" >&2; exit 125; }
unavailable() { echo "$*"; exit 3; }

kernel_root=""

# The newest /boot/vmlinuz-*-amd64 whose modules include net/tls (not necessarily the running kernel), or the
# one kernel under --kernel-root.
lab_kernel() {
  local v
  if [ -n "$kernel_root" ]; then
    v="$(ls "$kernel_root/usr/lib/modules" 2>/dev/null | head -n 1)"
    [ -n "$v" ] && [ -d "$kernel_root/usr/lib/modules/$v/kernel/net/tls" ] || return 1
    echo "$v"; return 0
  fi
  for v in $(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V -r); do
    if [ -d "/lib/modules/$v/kernel/net/tls" ]; then echo "$v"; return 0; fi
  done
  return 1
}

vmlinuz() {
  if [ -n "$kernel_root" ]; then echo "$kernel_root/usr/lib/modules/$1/vmlinuz"; else echo "/boot/vmlinuz-$1"; fi
}

# The initramfs modules, in insertion order. The host's /boot kernels use the verified list; an unpacked kernel
# gets the dependency closure its own modules.dep gives (modules differ between versions: 7.x has no fscache).
# Prints "name path" per module ("name (builtin)" for built-in ones).
module_files() {
  local v="$1" m
  if [ -z "$kernel_root" ]; then
    for m in "${initramfs_modules[@]}"; do echo "$m $(modinfo -k "$v" -n "$m")"; done
    return 0
  fi
  local seen=" " line ko name
  for m in virtio_pci 9pnet_virtio 9p; do
    while read -r line; do
      case "$line" in
        builtin\ *) name="${line#builtin }"; ko="(builtin)" ;;
        insmod\ *) ko="${line#insmod }"; ko="${ko%% *}"; name="$(basename "$ko")"; name="${name%%.ko*}" ;;
        *) continue ;;
      esac
      case "$seen" in *" $name "*) continue ;; esac
      seen="$seen$name "
      echo "$name $ko"
    done < <(modprobe -d "$kernel_root/usr" -S "$v" --show-depends "$m")
  done
}

busybox_path() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    [ -x "$b" ] || continue
    # busybox-static: the initramfs has no libc, so a dynamically linked busybox cannot be used
    case "$(LC_ALL=C ldd "$b" 2>&1)" in
      *"not a dynamic executable"*|*"statically linked"*) echo "$b"; return 0 ;;
    esac
  done
  return 1
}

# Prints the reason the lab cannot run here, or nothing.
unavailability() {
  local v
  command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"; return; }
  if [ -n "$kernel_root" ]; then
    v="$(lab_kernel)" || { echo "no kernel with net/tls under $kernel_root/usr/lib/modules (ktls4j-lab/src/lab/fetch-kernel.sh makes one)"; return; }
  else
    v="$(lab_kernel)" || { echo "no /boot/vmlinuz-*-amd64 with /lib/modules/<version>/kernel/net/tls (apt-get install linux-image-amd64)"; return; }
  fi
  [ -r "$(vmlinuz "$v")" ] || { echo "$(vmlinuz "$v") is not readable by $(id -un)"; return; }
  busybox_path >/dev/null || { echo "no static busybox in /bin or /usr/bin (apt-get install busybox-static)"; return; }
  local tool
  for tool in modinfo modprobe cpio gzip timeout; do
    command -v "$tool" >/dev/null || { echo "$tool not found"; return; }
  done
  local m
  if [ -z "$kernel_root" ]; then
    for m in "${initramfs_modules[@]}"; do
      modinfo -k "$v" -n "$m" >/dev/null 2>&1 || { echo "module $m not found for kernel $v"; return; }
    done
  else
    for m in virtio_pci 9pnet_virtio 9p tls; do
      modprobe -d "$kernel_root/usr" -S "$v" --show-depends "$m" >/dev/null 2>&1 \
        || { echo "module $m not found for kernel $v under $kernel_root"; return; }
    done
  fi
}

# Builds (once per kernel, busybox and init script) the initramfs and prints its path.
initramfs() {
  local v="$1" bb key img tmp m ko
  bb="$(busybox_path)"
  key="$( { echo "$v $kernel_root ${initramfs_modules[*]}"; cat "$bb" "$here/initramfs-init.sh"; } | sha256sum | cut -c1-12)"
  img="$lab_dir/initramfs-$v-$key.cpio.gz"
  if [ -s "$img" ]; then echo "$img"; return 0; fi
  mkdir -p "$lab_dir"
  tmp="$(mktemp -d "$lab_dir/initramfs.XXXXXX")"
  mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,modules}
  cp "$bb" "$tmp/bin/busybox"
  cp "$here/initramfs-init.sh" "$tmp/init"
  chmod 755 "$tmp/init" "$tmp/bin/busybox"
  : > "$tmp/modules/order"
  while read -r m ko; do
    case "$ko" in
      "(builtin)"|"") continue ;;
      *.ko) cp "$ko" "$tmp/modules/$m.ko" ;;
      *.ko.xz) xz -dc "$ko" > "$tmp/modules/$m.ko" ;;
      *.ko.zst) zstd -qdc "$ko" > "$tmp/modules/$m.ko" ;;
      *.ko.gz) gzip -dc "$ko" > "$tmp/modules/$m.ko" ;;
      *) die "unsupported module file $ko" ;;
    esac
    echo "$m" >> "$tmp/modules/order"
  done < <(module_files "$v")
  (cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$tmp.cpio.gz"
  mv "$tmp.cpio.gz" "$img"
  rm -rf "$tmp"
  echo "$img"
}

out="$lab_dir/out"
no_tls=0
timeout_secs=900
cwd="$PWD"
envs=()
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --no-tls-module) no_tls=1; shift ;;
    --timeout) timeout_secs="$2"; shift 2 ;;
    --env) [[ "$2" == [A-Za-z_]*=* ]] || die "--env wants NAME=VALUE, got: $2"; envs+=("$2"); shift 2 ;;
    --cwd) cwd="$2"; shift 2 ;;
    --kernel-root) kernel_root="$(cd "$2" 2>/dev/null && pwd -P)" || die "--kernel-root $2: no such directory"; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: lab.sh [--check] [--out DIR] [--no-tls-module] [--timeout SECS] [--env N=V] [--cwd DIR] -- COMMAND...)" ;;
  esac
done

reason="$(unavailability)"
if [ "$check" = 1 ]; then
  [ -z "$reason" ] || unavailable "$reason"
  v="$(lab_kernel)"; echo "$v $(vmlinuz "$v")"; exit 0
fi
[ -z "$reason" ] || unavailable "kernel lab unavailable: $reason"
[ $# -gt 0 ] || die "no command given (lab.sh [options] -- COMMAND...)"

kver="$(lab_kernel)"
img="$(initramfs "$kver")"
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"
case "$out$here" in *[[:space:]]*) die "the lab needs paths without white space: $out, $here" ;; esac
for p in "$out" "$here" "$cwd" ${kernel_root:+"$kernel_root"}; do
  case "$(realpath -m "$p")/" in
    /tmp/*|/run/*|/proc/*|/sys/*|/dev/*) die "$p is hidden in the guest (tmpfs/proc/sys/dev are mounted there); use a checkout outside /tmp and /run" ;;
  esac
done
find "$out" -mindepth 1 -delete
console="$out.console.log"

# The command, as a script the guest's stage 2 runs (values quoted for bash).
{
  echo "export PATH=$(printf %q "$PATH")"
  [ -z "${JAVA_HOME:-}" ] || echo "export JAVA_HOME=$(printf %q "$JAVA_HOME")"
  echo "export HOME=/tmp KTLS4J_IN_LAB=1 KTLS4J_LAB_KERNEL=$(printf %q "$kver") KTLS4J_LAB_TLS_MODULE=$((1 - no_tls))"
  for e in "${envs[@]}"; do echo "export ${e%%=*}=$(printf %q "${e#*=}")"; done
  echo "cd $(printf %q "$cwd")"
  printf 'exec'; printf ' %q' "$@"; echo
} > "$out/command.sh"

append="console=ttyS0 panic=-1 loglevel=5 ktls4j_out=$out ktls4j_stage2=$here/guest-stage2.sh"
[ "$no_tls" = 0 ] || append="$append module_blacklist=tls"
[ -z "$kernel_root" ] || append="$append ktls4j_modules=$kernel_root/usr/lib/modules"

start=$(date +%s)
set +e
timeout -k 10 "$timeout_secs" qemu-system-x86_64 \
  -accel tcg,thread=single -cpu max -m 2G -smp 2 -nographic -no-reboot -nic none \
  -kernel "$(vmlinuz "$kver")" -initrd "$img" -append "$append" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
  -virtfs "local,path=$out,mount_tag=labout,security_model=none,multidevs=remap" \
  < /dev/null > "$console" 2>&1
qemu_rc=$?
set -e
elapsed=$(( $(date +%s) - start ))

fail_tail() { echo "lab.sh: $1; last lines of $console:" >&2; tail -n 40 "$console" >&2; }
if [ -s "$out/lab-error" ]; then
  fail_tail "the guest reported: $(cat "$out/lab-error")"; exit 125
fi
if [ ! -s "$out/exit-code" ]; then
  if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
    fail_tail "timed out after ${timeout_secs}s (qemu killed)"; exit 124
  fi
  fail_tail "the guest did not report an exit code (qemu exit status $qemu_rc after ${elapsed}s)"; exit 125
fi
rc="$(cat "$out/exit-code")"
echo "lab.sh: kernel $kver, tls module $([ "$no_tls" = 0 ] && echo loaded || echo blacklisted), command exit code $rc, ${elapsed}s; console log $console" >&2
[ "$rc" = 0 ] || fail_tail "the command failed with exit code $rc"
exit "$rc"
