#!/bin/busybox sh
# /init of the kernel lab's initramfs (static busybox + the virtio/9p modules): mounts the host's root (9p,
# read-only) and the writable results export, then switch_roots into the host root and runs the lab's stage 2.
/bin/busybox --install -s /bin
export PATH=/bin
out=

fail() {
  echo "ktls4j-lab initramfs: $*"
  [ -n "$out" ] && echo "initramfs: $*" > "/newroot$out/lab-error" 2>/dev/null
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /modules/order); do
  insmod "/modules/$m.ko" || fail "insmod $m failed"
done

param() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
out="$(param ktls4j_out)"
stage2="$(param ktls4j_stage2)"
[ -n "$out" ] && [ -n "$stage2" ] || fail "ktls4j_out or ktls4j_stage2 missing from the kernel command line"

opts=trans=virtio,version=9p2000.L,msize=1048576
mount -t 9p -o "$opts,cache=loose,ro" hostroot /newroot || fail "cannot mount the host root over 9p"
mount -t 9p -o "$opts" labout "/newroot$out" || fail "cannot mount the results export at $out"
for d in proc sys dev; do
  mount --move "/$d" "/newroot/$d" || fail "cannot move /$d"
done
exec switch_root /newroot /bin/bash "$stage2"
