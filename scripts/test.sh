#!/usr/bin/env bash
# The test command (see README.md): installs what the tests need on a machine
# that has none of it, then checks formatting and lints and runs every test.
#   - Debian packages (scripts/setup-system.sh)
#   - the Python venv with the MCP SDK and reference servers (scripts/setup-venv.sh)
#   - the sentence-embedding model for semantic search (scripts/setup-model.sh)
#   - the sandbox image, built from Debian packages (scripts/build-sandbox-image.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n==> %s\n' "$*"; }

step "system packages";   bash scripts/setup-system.sh
step "python venv";       bash scripts/setup-venv.sh
export VTCODE_TEST_PYTHON="${VTCODE_VENV:-$root/.venv}/bin/python"
step "embedding model";   bash scripts/setup-model.sh
step "sandbox image";     bash scripts/build-sandbox-image.sh
step "cargo fmt";         cargo fmt --all -- --check
step "cargo clippy";      cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test";        cargo test --workspace --locked
step "tui end to end";    cargo build --locked -p vtcode-tui
bash scripts/tui-e2e.sh "${CARGO_TARGET_DIR:-$root/target}/debug/vtcode"
step "examples";          for backend in process docker; do
  bash scripts/run-examples.sh "$backend" "${CARGO_TARGET_DIR:-$root/target}/debug/vtcode"
done
