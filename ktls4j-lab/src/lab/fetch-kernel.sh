#!/usr/bin/env bash
# Fetches the newer kernel of the kernel lab: Debian unstable's linux-image-amd64 (Linux 7.x at the time of
# writing: TLS 1.3 rekey since 6.14, TLS_TX_MAX_PAYLOAD_LEN since 6.19), unpacked, never installed: the host's own
# kernel, /boot and /lib/modules are not touched. The signature chain is checked: InRelease (gpgv with Debian's
# archive keyring) -> Packages.xz (SHA-256) -> each .deb (SHA-256).
#
#   fetch-kernel.sh [DEST]     DEST defaults to $KTLS4J_KERNELS or ~/.cache/ktls4j/kernels
#
# Result: DEST/<version>/usr/lib/modules/<version>/{vmlinuz,kernel/...,modules.dep} and the symlink DEST/current.
# Prints the kernel root (DEST/<version>). lab.sh --kernel-root DIR boots it.
set -euo pipefail

dest="${1:-${KTLS4J_KERNELS:-$HOME/.cache/ktls4j/kernels}}"
mirror="${KTLS4J_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="${KTLS4J_KERNEL_SUITE:-sid}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

die() { echo "fetch-kernel.sh: $*" >&2; exit 1; }
for tool in curl gpgv xz dpkg-deb depmod sha256sum awk; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

mkdir -p "$dest"
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

curl -fsS --retry 3 -o "$work/InRelease" "$mirror/dists/$suite/InRelease" || die "cannot download $suite/InRelease"
# The archive's Valid-Until may have passed on a mirror snapshot; the signature is what is checked here.
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2> "$work/gpgv.log" \
  || die "InRelease signature check failed: $(cat "$work/gpgv.log")"
idx_sha="$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' "$work/Release")"
[ -n "$idx_sha" ] || die "Release lists no main/binary-amd64/Packages.xz"
curl -fsS --retry 3 -o "$work/Packages.xz" "$mirror/dists/$suite/main/binary-amd64/Packages.xz"
echo "$idx_sha  $work/Packages.xz" | sha256sum -c --quiet - || die "Packages.xz does not match Release"
xz -dc "$work/Packages.xz" > "$work/Packages"

# field PACKAGE FIELD: one field of one package stanza
field() {
  awk -v p="$1" -v f="$2" '$0=="Package: "p{s=1;next} /^$/{s=0} s && index($0,f": ")==1{print substr($0,length(f)+3); exit}' "$work/Packages"
}
image="$(field linux-image-amd64 Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*-amd64\) .*/\1/p' | head -n 1)"
[ -n "$image" ] || die "cannot resolve linux-image-amd64 in $suite"
version="${image#linux-image-}"
root="$dest/$version"
if [ -s "$root/usr/lib/modules/$version/modules.builtin.bin" ] && [ -s "$root/usr/lib/modules/$version/modules.dep" ] && [ -s "$root/usr/lib/modules/$version/vmlinuz" ]; then
  ln -sfn "$version" "$dest/current"
  echo "$root"
  exit 0
fi

rm -rf "$root.partial"
mkdir -p "$root.partial"
for pkg in "linux-base-$version" "linux-binary-$version" "linux-modules-$version"; do
  file="$(field "$pkg" Filename)"
  sha="$(field "$pkg" SHA256)"
  [ -n "$file" ] && [ -n "$sha" ] || die "$suite has no package $pkg"
  curl -fsS --retry 3 -o "$work/$pkg.deb" "$mirror/$file" || die "cannot download $file"
  echo "$sha  $work/$pkg.deb" | sha256sum -c --quiet - || die "$file does not match Packages"
  dpkg-deb -x "$work/$pkg.deb" "$root.partial"
  rm -f "$work/$pkg.deb"
done
[ -s "$root.partial/usr/lib/modules/$version/vmlinuz" ] || die "no vmlinuz in linux-binary-$version"
[ -e "$root.partial/usr/lib/modules/$version/kernel/net/tls" ] || die "linux-modules-$version has no net/tls"
depmod -b "$root.partial/usr" "$version"
rm -rf "$root"
mv "$root.partial" "$root"
ln -sfn "$version" "$dest/current"
echo "$root"
