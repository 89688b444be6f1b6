#!/bin/bash
# Stage 2 of the kernel lab, PID 1 after switch_root into the host's root (read-only 9p). Prepares a minimal
# system (tmpfs /tmp and /run, loopback, the tls module unless the kernel command line blacklists it), runs
# <out>/command.sh written by lab.sh, records its exit code in <out>/exit-code and powers the VM off.
# Whatever happens, the VM ends: if this script dies, the kernel panics and panic=-1 with qemu -no-reboot exits.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

param() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
out="$(param ktls4j_out)"

off() {
  sync
  for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && "$b" poweroff -f; done
  echo o > /proc/sysrq-trigger
  sleep 10
}
fail() { echo "ktls4j-lab stage 2: $*"; echo "$*" > "$out/lab-error"; off; }

mount -t tmpfs -o mode=1777 tmpfs /tmp || fail "cannot mount /tmp"
mount -t tmpfs -o mode=755 tmpfs /run || fail "cannot mount /run"
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts devpts /dev/pts
ip link set lo up || fail "cannot bring up loopback"
hostname localhost

modules="$(param ktls4j_modules)"
if [ -n "$modules" ]; then
  # an unpacked kernel (lab.sh --kernel-root): its modules become /lib/modules for modprobe
  mount --bind "$modules" /lib/modules || fail "cannot bind $modules on /lib/modules"
fi

if grep -qw 'module_blacklist=tls' /proc/cmdline; then
  echo "ktls4j-lab: tls module blacklisted for this run"
else
  modprobe tls || fail "modprobe tls failed"
  [ -e /proc/net/tls_stat ] || fail "tls module loaded but /proc/net/tls_stat is missing"
fi

echo "ktls4j-lab: kernel $(uname -r), running $out/command.sh"
bash "$out/command.sh" < /dev/null
rc=$?
echo "ktls4j-lab: command exit code $rc"
echo "$rc" > "$out/exit-code.tmp" && mv "$out/exit-code.tmp" "$out/exit-code"
off
