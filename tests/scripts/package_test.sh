#!/usr/bin/env bash
# The Debian packages in a clean Debian 12 root, as an IT department would
# install them: debootstrap makes the root (minbase, from Debian's own
# packages), apt installs the .debs into it so that their Depends must
# resolve from Debian alone, systemd-analyze checks the installed units, and
# each program runs inside: --version, then the first-run steps of its
# README.Debian as the service's user. Removal and purge keep the data.
# It takes minutes and needs root and the network, so ctest leaves it out:
# ./dev test --packages runs it.
# Usage: package_test.sh PACKAGE_DIR [DEBOOTSTRAP_CACHE_DIR]
set -euo pipefail
pkgdir=$(realpath "$1")
cache=${2:+$(realpath "$2")}
mirror=${EQUITAS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }
# Runs a noisy command (debootstrap, apt) and shows its output only if it fails.
quiet() {
  local log
  log=$(mktemp)
  "$@" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; fail "$*"; }
  rm -f "$log"
}

debs=("$pkgdir"/equitas-*.deb)
[ -f "${debs[0]}" ] || fail "no equitas-*.deb in $pkgdir (./dev package makes them)"
[ "$(id -u)" -eq 0 ] || fail "debootstrap and chroot need root"

root=$(mktemp -d /var/tmp/equitas-package-test.XXXXXX)
chmod 755 "$root"  # mktemp's 0700 would lock the services' users out of /
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

step "debootstrap: a minimal Debian 12 root in $root"
[ -z "$cache" ] || mkdir -p "$cache"
quiet debootstrap --variant=minbase ${cache:+--cache-dir="$cache"} bookworm "$root" "$mirror"
mount -t proc proc "$root/proc"

step "apt-get install ${debs[*]##*/}"
mkdir "$root/debs"
cp "${debs[@]}" "$root/debs/"
quiet in_root apt-get update -q
quiet in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /debs/*.deb'

for program in sync-server collector; do
  pkg=equitas-$program unit=/usr/lib/systemd/system/equitas-$program.service state=/var/lib/equitas-$program
  step "$pkg"
  [ "$(in_root dpkg-query -W -f='${Status}' "$pkg")" = "install ok installed" ] || fail "$pkg is not installed"
  in_root dpkg-query -W -f='${Conffiles}\n' "$pkg" | grep -q "/etc/equitas/$program.conf" ||
    fail "/etc/equitas/$program.conf is not a conffile of $pkg (an upgrade would overwrite the administrator's settings)"

  # Errors and warnings alike: systemd-analyze prints nothing for a clean unit.
  out=$(in_root systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
  [ -z "$out" ] || fail "systemd-analyze verify $unit warns: $out"
  # The sandbox's overall exposure as systemd rates it, from 0.0 (best) to
  # 10.0; 1.2 for both units when written. It rises if a hardening line is lost, and above
  # 2.0 (--threshold counts tenths) the test fails.
  out=$(in_root systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1) ||
    fail "systemd-analyze security $unit: exposure above 2.0: $(tail -n 1 <<<"$out")"
  echo "    $(tail -n 1 <<<"$out")" >&2

  version=$(dpkg-deb -f "$pkgdir/${pkg}_"*.deb Version)
  out=$(in_root "$program" --version)
  [ "$out" = "$program ${version%-*}" ] || fail "$program --version printed '$out', the package is $version"

  owner=$(in_root stat -c '%U %a' "$state")
  [ "$owner" = "$pkg 700" ] || fail "$state is '$owner', not owned by $pkg with mode 700"
  in_root getent passwd "$pkg" | grep -q ':/usr/sbin/nologin$' || fail "$pkg should be a system user without a shell"
done

# The first-run steps of README.Debian, as the services' users, with the
# passphrase in the environment as there.
step "first run as the services' users (README.Debian)"
in_root sh -c 'umask 077; echo "package-test passphrase" >/etc/equitas/sync-server.passphrase
  EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/sync-server.passphrase)" \
    runuser -u equitas-sync-server -w EQUITAS_KEY_PASSPHRASE -- \
    sync-server init --data-dir /var/lib/equitas-sync-server' >/dev/null
code=$(in_root sh -c 'EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/sync-server.passphrase)" \
    runuser -u equitas-sync-server -w EQUITAS_KEY_PASSPHRASE -- \
    sync-server device enroll --data-dir /var/lib/equitas-sync-server --site "Package test" --url ws://127.0.0.1:8443' 2>/dev/null)
in_root sh -c 'umask 077; echo "package-test passphrase" >/etc/equitas/collector.passphrase
  export EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/collector.passphrase)"
  as_collector() { runuser -u equitas-collector -w EQUITAS_KEY_PASSPHRASE -- collector "$@"; }
  as_collector init --data-dir /var/lib/equitas-collector
  echo "package-test-pin" | as_collector admin-pin --data-dir /var/lib/equitas-collector
  as_collector enroll --data-dir /var/lib/equitas-collector "$1" >/dev/null
  as_collector status --data-dir /var/lib/equitas-collector --json' sh "$code" |
  grep -q '"server":"ws://127.0.0.1:8443"' || fail "the collector is not enrolled with the server"

step "purge: the programs go, the data stays"
quiet in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q equitas-sync-server equitas-collector'
for program in sync-server collector; do
  [ ! -e "$root/usr/bin/$program" ] || fail "/usr/bin/$program is left after purge"
  [ -n "$(ls "$root/var/lib/equitas-$program")" ] || fail "purge deleted /var/lib/equitas-$program"
done
echo "ok"
