#!/usr/bin/env bash
# Each benchmark prints its usage and exits 0 on --help and -h, without
# running; an unknown option or a missing value is a usage error (exit 2).
# Usage: bench_args_test.sh BENCH_BINARY...
set -uo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

for bench in "$@"; do
  name=$(basename "$bench")
  for flag in --help -h; do
    # A benchmark that ignored the flag would run for minutes: the timeout
    # turns that into a failure.
    out=$(timeout 20 "$bench" "$flag" 2>/dev/null)
    code=$?
    [ $code -eq 0 ] || fail "$name $flag exited $code"
    grep -q "^Usage: $name" <<<"$out" || fail "$name $flag printed no usage"
  done
  timeout 20 "$bench" --no-such-option 1 >/dev/null 2>&1
  code=$?
  [ $code -eq 2 ] || fail "$name --no-such-option exited $code, not 2"
  err=$(timeout 20 "$bench" --no-such-option 1 2>&1 >/dev/null)
  grep -q "unknown option '--no-such-option'" <<<"$err" || fail "$name gave no error for an unknown option"
done
echo "ok"
