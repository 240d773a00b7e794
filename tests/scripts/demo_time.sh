#!/usr/bin/env bash
# Time to demo on a fresh Debian 12 root (issue 21): debootstrap makes a
# minimal root (minbase, Debian's own packages), the checkout is cloned into
# it, and `./dev demo` runs there as a newcomer's first command would, from
# apt-get update to the running demo. Prints the seconds it took, then stops
# the demo and removes the root. Needs root and the network, and ports 8080
# and 8443 free, so ctest leaves it out.
# Usage: tests/scripts/demo_time.sh [DEBOOTSTRAP_CACHE_DIR]
set -euo pipefail
src=$(git -C "$(dirname "$0")/../.." rev-parse --show-toplevel)
cache=${1:+$(realpath -m "$1")}
mirror=${EQUITAS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "debootstrap and chroot need root" >&2; exit 1; }

root=$(mktemp -d /var/tmp/equitas-demo-time.XXXXXX)
chmod 755 "$root"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
cleanup() {
  in_root bash -c 'cd /equitas 2>/dev/null && ./dev stop' >/dev/null 2>&1 || true
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

echo "==> debootstrap: a minimal Debian 12 root in $root (not timed)" >&2
[ -z "$cache" ] || mkdir -p "$cache"
debootstrap --variant=minbase ${cache:+--cache-dir="$cache"} bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
  { cat "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$src" "$root/equitas"  # the root has no git yet: a newcomer's clone, made from outside

echo "==> ./dev demo in the fresh root (timed; log in $root/demo.log while it runs)" >&2
start=$(date +%s)
if ! in_root bash -c 'cd /equitas && ./dev demo' >"$root/demo.log" 2>&1; then
  tail -40 "$root/demo.log"
  echo "./dev demo failed in the fresh root" >&2
  exit 1
fi
end=$(date +%s)
grep -A3 "The demo is running" "$root/demo.log" || true
echo "time to demo on a fresh Debian 12 root: $((end - start)) s"
