#!/usr/bin/env bash
# Runs every benchmark and writes docs/benchmarks.md: the machine, the date,
# and one section per bench target (each prints its own markdown section).
# Needs what the tests need (run scripts/test.sh once first, or at least
# scripts/setup-venv.sh and scripts/build-sandbox-image.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export VTCODE_TEST_PYTHON="${VTCODE_TEST_PYTHON:-${VTCODE_VENV:-$root/.venv}/bin/python}"
out="$root/docs/benchmarks.md"
sections="$(mktemp -d)"
trap 'rm -rf "$sections"' EXIT

# The public tool-retrieval benchmark for the semantic bench: BFCL's data,
# from the bfcl-eval package (its data only, so no dependencies).
"$VTCODE_TEST_PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps "bfcl-eval==2026.3.23"
export VTCODE_BFCL_SET="$sections/bfcl-set.json"
"$VTCODE_TEST_PYTHON" scripts/bfcl-retrieval-set.py "$VTCODE_BFCL_SET"

# crate:bench pairs, in the order they appear in the report.
benches=(
  "vtcode-core:catalog"
  "vtcode-mcp:connect"
  "vtcode-sandbox:exec"
  "vtcode-sandbox:remote"
  "vtcode-core:tokens"
  "vtcode-core:versioning"
  "vtcode-core:metrics"
  "vtcode-core:pii"
  "vtcode-core:semantic"
  "vtcode-core:skills"
  "vtcode-tui:render"
  "vtcode-core:approval"
)
for entry in "${benches[@]}"; do
  crate="${entry%%:*}"; bench="${entry##*:}"
  echo "bench: $crate $bench" >&2
  # Criterion benches print their own report first; keep the section only.
  cargo bench --locked -q -p "$crate" --bench "$bench" | sed -n '/^### /,$p' > "$sections/$bench.md"
done

cargo build --locked -q --profile bench -p vtcode-tui
bash scripts/bench-tui-start.sh "${CARGO_TARGET_DIR:-$root/target}/release/vtcode" > "$sections/tui-start.md"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\`; do not edit by hand."
  echo
  echo "- Date: $(date -u +%Y-%m-%d)"
  echo "- Machine: $(nproc) cores (${cpu:-unknown CPU}), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  echo "- Docker: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo 'not available')"
  echo "- Rust: $(rustc --version)"
  for entry in "${benches[@]}"; do
    echo
    cat "$sections/${entry##*:}.md"
  done
  echo
  cat "$sections/tui-start.md"
} > "$out"
echo "wrote $out" >&2
