#!/usr/bin/env bash
# The Debian packages in a clean Debian 12 root, as an IT department would
# install them: debootstrap makes the root (minbase, from Debian's own
# packages), apt installs the .debs into it so that their Depends must
# resolve from Debian alone, systemd-analyze checks the installed units, and
# each program runs inside: --version, then the first-run steps of its
# README.Debian as the service's user, then a sync and a dashboard login
# through the example nginx site. Purging the packages keeps the data.
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
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  [ ! -f "$root/run/nginx.pid" ] || kill "$(cat "$root/run/nginx.pid")" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

step "debootstrap: a minimal Debian 12 root in $root"
[ -z "$cache" ] || mkdir -p "$cache"
quiet debootstrap --variant=minbase ${cache:+--cache-dir="$cache"} bookworm "$root" "$mirror"
mount -t proc proc "$root/proc"
# Packages' maintainer scripts must start no daemon here: the root shares
# the host's network (nginx's would take port 80).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

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
    sync-server init --data-dir /var/lib/equitas-sync-server' >"$root/server-init.txt"
code=$(in_root sh -c 'EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/sync-server.passphrase)" \
    runuser -u equitas-sync-server -w EQUITAS_KEY_PASSPHRASE -- \
    sync-server device enroll --data-dir /var/lib/equitas-sync-server --site "Package test" --url ws://127.0.0.1:18080' 2>/dev/null)
in_root sh -c 'umask 077; echo "package-test passphrase" >/etc/equitas/collector.passphrase
  export EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/collector.passphrase)"
  as_collector() { runuser -u equitas-collector -w EQUITAS_KEY_PASSPHRASE -- collector "$@"; }
  as_collector init --data-dir /var/lib/equitas-collector
  echo "package-test-pin" | as_collector admin-pin --data-dir /var/lib/equitas-collector
  as_collector enroll --data-dir /var/lib/equitas-collector "$1" >/dev/null
  as_collector status --data-dir /var/lib/equitas-collector --json' sh "$code" |
  grep -q '"server":"ws://127.0.0.1:18080"' || fail "the collector is not enrolled with the server"

# The example nginx site as shipped, on ports of its own (18080 for 80,
# 18444 for 443; the server on 18443) so as to leave the host's alone: a
# collector syncs through its WebSocket proxy, and a dashboard login through
# TLS gets a Secure session cookie, which also checks the Host header against
# --public-origin.
step "the example nginx site in front of the server"
quiet in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light openssl curl'
sed -e 's/127\.0\.0\.1:8443/127.0.0.1:18443/' -e 's/\(listen [^ ]*:*\)80;/\118080;/' -e 's/\(listen [^ ]*:*\)443 /\118444 /' \
  "$root/usr/share/doc/equitas-sync-server/examples/nginx-site.conf" >"$root/etc/nginx/conf.d/equitas.conf"
grep -q "listen 18444 ssl" "$root/etc/nginx/conf.d/equitas.conf" || fail "the nginx example no longer listens on 443"
# (Debian's default site is an absolute symlink: written to from out here,
# it would lead to the host's /etc.)
rm -f "$root/etc/nginx/sites-enabled/default"
quiet in_root openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=results.example.org \
  -addext subjectAltName=DNS:results.example.org \
  -keyout /etc/ssl/private/results.example.org.key -out /etc/ssl/certs/results.example.org.pem
quiet in_root nginx -t
# chroot itself, not in_root (a function, so a subshell): $! is then the
# server's pid once chroot, env, sh and setpriv have each exec'd the next.
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c 'EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/sync-server.passphrase)" exec \
  setpriv --reuid=equitas-sync-server --regid=equitas-sync-server --init-groups \
  sync-server serve --data-dir /var/lib/equitas-sync-server --listen 127.0.0.1:18443 \
    --public-origin https://results.example.org:18444' >"$root/serve.log" 2>&1 &
server_pid=$!
in_root nginx
for _ in $(seq 50); do grep -q listening "$root/serve.log" && break; sleep 0.1; done
grep -q listening "$root/serve.log" || { cat "$root/serve.log"; fail "sync-server serve did not start"; }
out=$(in_root sh -c 'export EQUITAS_KEY_PASSPHRASE="$(cat /etc/equitas/collector.passphrase)"
  as_collector() { runuser -u equitas-collector -w EQUITAS_KEY_PASSPHRASE -- collector "$@"; }
  echo "{\"consent_ack\":true,\"dem_sex\":\"female\",\"dem_grade\":\"officer\",\"eng_proud\":\"4\"}" |
    as_collector submit --data-dir /var/lib/equitas-collector --form staff-climate --lang en - >/dev/null
  as_collector sync --data-dir /var/lib/equitas-collector' 2>&1) || fail "sync through nginx: $out"
grep -q "1 accepted" <<<"$out" || fail "sync through nginx: $out"
token=$(sed -n 's/^  \(eqa_[A-Za-z0-9_-]*\)$/\1/p' "$root/server-init.txt")
out=$(in_root curl -sS -i --cacert /etc/ssl/certs/results.example.org.pem \
  --resolve results.example.org:18444:127.0.0.1 -H "Origin: https://results.example.org:18444" \
  -H "Content-Type: application/json" -d "{\"token\":\"$token\"}" https://results.example.org:18444/api/v1/session)
grep -qi "^set-cookie: .*; Secure" <<<"$out" || fail "dashboard login through nginx: $out"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""
kill "$(cat "$root/run/nginx.pid")"

step "purge: the programs go, the data stays"
quiet in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q equitas-sync-server equitas-collector'
for program in sync-server collector; do
  [ ! -e "$root/usr/bin/$program" ] || fail "/usr/bin/$program is left after purge"
  [ -n "$(ls "$root/var/lib/equitas-$program")" ] || fail "purge deleted /var/lib/equitas-$program"
done
echo "ok"
