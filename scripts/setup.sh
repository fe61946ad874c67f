#!/usr/bin/env bash
# Sets vtcode up on this machine: Debian packages, the reference MCP servers
# (a Python venv), the sandbox image (built from Debian packages, no
# container registry needed), the embedding model for semantic tool search,
# and the `vtcode` binary installed with cargo.
# Then run `vtcode` in your project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-system.sh
# The reference MCP servers (mcp-server-time, mcp-server-git) and the MCP SDK
# the examples' own server needs, in the repository's venv; linked from a
# fixed place so any project's vtcode.toml can name them (see README.md).
bash scripts/setup-venv.sh
venv="${VTCODE_VENV:-$root/.venv}"
data="$HOME/.local/share/vtcode"
mkdir -p "$data"
ln -sfn "$venv" "$data/venv"
echo "setup: MCP reference servers in $data/venv"
if docker info >/dev/null 2>&1; then
  bash scripts/build-sandbox-image.sh
else
  echo "setup: no Docker engine answered; vtcode will use the process sandbox (start Docker and run 'vtcode sandbox build-image' later for the Docker one)"
fi
bash scripts/setup-model.sh
cargo install --locked --path crates/tui
echo "setup: done. Set an API key (e.g. export OPENAI_API_KEY=...) and run: vtcode"
