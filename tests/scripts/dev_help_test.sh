#!/usr/bin/env bash
# ./dev help lists every verb that ./dev's case statement knows and exits 0;
# ./dev with no verb or an unknown one is a usage error (exit 2, on stderr).
# Usage: dev_help_test.sh PATH/TO/dev
set -uo pipefail
dev=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

for flag in help --help -h; do
  out=$("$dev" "$flag" 2>/dev/null) || fail "./dev $flag exited $?"
  # The verbs are read from the script itself, so a new one must be listed.
  for verb in $(grep -oE '^  [a-z][a-z-]*\)' "$dev" | tr -d ' )'); do
    grep -q "^  ./dev $verb" <<<"$out" || fail "./dev $flag does not list '$verb'"
  done
done

"$dev" >/dev/null 2>&1
[ $? -eq 2 ] || fail "./dev with no verb should exit 2"
"$dev" no-such-verb >/dev/null 2>&1
[ $? -eq 2 ] || fail "./dev no-such-verb should exit 2"
err=$("$dev" no-such-verb 2>&1 >/dev/null)
grep -q "unknown verb 'no-such-verb'" <<<"$err" || fail "no error message for an unknown verb"
grep -q "./dev fuzz" <<<"$err" || fail "the usage after an error is cut short"
# --help after a verb prints the same list and does nothing else (no
# package install, no build): a test run must not start by accident.
out=$("$dev" test --help 2>/dev/null) || fail "./dev test --help exited $?"
grep -q "^  ./dev test" <<<"$out" || fail "./dev test --help does not print the usage"
"$dev" test --no-such-option >/dev/null 2>&1
[ $? -eq 2 ] || fail "./dev test --no-such-option should exit 2"
echo "ok"
