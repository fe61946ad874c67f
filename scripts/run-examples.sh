#!/usr/bin/env bash
# Runs every program in examples/ with `vtcode run` on one sandbox backend
# and checks what each prints against the `# expect:` lines at its top
# (`# expect run N:` for a program meant to run several times).
#   usage: scripts/run-examples.sh process|docker [path/to/vtcode]
# The servers come from this repository's vtcode.toml (the reference time
# server from the venv, and examples/servers/ledger.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
backend="${1:?usage: run-examples.sh process|docker [vtcode]}"
vtcode="${2:-vtcode}"
export VTCODE_SANDBOX_BACKEND="$backend"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
failed=0
"$vtcode" skills rm expense-total --yes >/dev/null 2>&1 || true
for example in examples/[0-9][0-9]_*.py; do
  rm -rf .vtcode/state/examples
  runs="$(grep -oE '^# expect run [0-9]+:' "$example" | grep -oE '[0-9]+' | sort -n | tail -1 || true)"
  for run in $(seq 1 "${runs:-1}"); do
    if ! "$vtcode" run "$example" >"$out" 2>&1; then
      echo "FAIL $example (run $run): vtcode run exited non-zero"; sed 's/^/    /' "$out"; failed=1; continue
    fi
    missing=0
    while IFS= read -r pattern; do
      if ! grep -qE -- "$pattern" "$out"; then
        echo "FAIL $example (run $run): no line matches /$pattern/"; missing=1
      fi
    done < <(sed -nE "s/^# expect( run $run)?: //p" "$example")
    if [ "$missing" -eq 1 ]; then
      sed 's/^/    /' "$out"; failed=1
    else
      echo "ok   $example (run $run, $backend)"
    fi
  done
done
"$vtcode" skills rm expense-total --yes >/dev/null 2>&1 || true
exit "$failed"
