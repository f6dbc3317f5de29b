#!/usr/bin/env bash
# scripts/fuzz.sh: runs every go test -fuzz target, one at a time, for
# EXECS executions (default 1,000,000) and prints one line per target:
# package, target, execs, new interesting inputs, seconds (wall, build
# included), result. A crasher is written by go test under the package's
# testdata/fuzz/<Target>/; commit it as a regression seed once fixed.
#
# The defaults suit a shared machine: one fuzz worker (PARALLEL=1) at the
# lowest priority (NICE=19), so that timing-sensitive tests running beside
# it keep their CPU; and each new interesting input is minimized for at
# most MINIMIZE calls (default 1000x) instead of go test's 60 s: on a
# starved CPU a minimization ran into the 60 s limit, go test killed and
# restarted the worker, and the run stalled at 0 execs/s for minutes.
#
#   scripts/fuzz.sh                      # every target, 1M execs each
#   EXECS=20000 scripts/fuzz.sh          # a quick pass
#   TARGETS='^FuzzParse$' scripts/fuzz.sh  # only the targets matching a regexp
#   PARALLEL=2 NICE=0 MINIMIZE=60s scripts/fuzz.sh  # a machine of its own
set -euo pipefail
cd "$(dirname "$0")/.."
execs=${EXECS:-1000000}
par=${PARALLEL:-1}
niceness=${NICE:-19}
minimize=${MINIMIZE:-1000x}
only=${TARGETS:-.}
status=0
for pkg in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do
  for target in $(grep -h '^func Fuzz' "$pkg"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    if ! printf '%s\n' "$target" | grep -Eq -- "$only"; then
      continue
    fi
    start=$(date +%s)
    if out=$(nice -n "$niceness" go test -run '^$' -fuzz "^${target}\$" -fuzztime "${execs}x" -parallel "$par" -fuzzminimizetime "$minimize" "$pkg" 2>&1); then
      result=ok
    else
      result=FAIL; status=1
      printf '%s\n' "$out" >&2
    fi
    last=$(printf '%s\n' "$out" | grep 'execs: [0-9]*' | tail -1)
    n=$(printf '%s\n' "$last" | grep -o 'execs: [0-9]*' | cut -d' ' -f2)
    ni=$(printf '%s\n' "$last" | grep -o 'new interesting: [0-9]*' | cut -d' ' -f3)
    printf '%-32s %-24s execs=%-9s new=%-5s %5ds %s\n' "$pkg" "$target" "${n:-?}" "${ni:-?}" $(( $(date +%s) - start )) "$result"
  done
done
exit $status
