#!/usr/bin/env bash
# Installs the Debian packages the tests use, when they are missing:
# mmdebstrap (builds the sandbox image's root filesystem without a container
# registry) and tmux (drives the TUI end-to-end test).
set -euo pipefail
need=()
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v node >/dev/null 2>&1 || need+=(nodejs)
# `python3 -m venv` (scripts/setup-venv.sh) needs ensurepip, a separate package on Debian.
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -eq 0 ]; then
  echo "system: packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
