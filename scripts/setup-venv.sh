#!/usr/bin/env bash
# Creates the Python venv the tests use (MCP SDK + reference MCP servers).
# Idempotent: skips the install when tests/requirements.txt is unchanged.
# The venv lives in $VTCODE_VENV (default: .venv at the repository root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VTCODE_VENV:-$root/.venv}"
req="$root/tests/requirements.txt"
stamp="$venv/.requirements.sha256"
# This repository's vtcode.toml names `.venv/bin/python`; a venv kept
# elsewhere ($VTCODE_VENV) is linked there so the examples run either way.
link_repo_venv() {
  if [ "$venv" != "$root/.venv" ] && [ ! -e "$root/.venv" ]; then
    ln -s "$venv" "$root/.venv"
  fi
}
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  echo "venv: $venv is up to date"
  link_repo_venv
  exit 0
fi
# Resolve the real interpreter: a version-manager shim costs ~90 ms per start.
py="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
echo "venv: creating $venv with $py"
"$py" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "venv: installed $(wc -l < "$req") requirement lines"
link_repo_venv
