#!/usr/bin/env bash
# scripts/fuzz.sh: runs every go test -fuzz target for EXECS executions
# (default 1,000,000) and prints one line per target: package, target,
# execs, seconds, result. A crasher is written by go test under the
# package's testdata/fuzz/<Target>/ and stays there as a regression seed.
#
#   scripts/fuzz.sh                 # every target, 1M execs each
#   EXECS=20000 scripts/fuzz.sh     # a quick pass
set -euo pipefail
cd "$(dirname "$0")/.."
execs=${EXECS:-1000000}
par=${PARALLEL:-2}
status=0
for pkg in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do
  for target in $(grep -h '^func Fuzz' "$pkg"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    start=$(date +%s)
    if out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "${execs}x" -parallel "$par" "$pkg" 2>&1); then
      result=ok
    else
      result=FAIL; status=1
      printf '%s\n' "$out" >&2
    fi
    n=$(printf '%s\n' "$out" | grep -o 'execs: [0-9]*' | tail -1 | cut -d' ' -f2)
    printf '%-32s %-24s execs=%-9s %4ds %s\n' "$pkg" "$target" "${n:-?}" $(( $(date +%s) - start )) "$result"
  done
done
exit $status
