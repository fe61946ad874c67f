#!/usr/bin/env bash
# Builds the vtcode sandbox image without any image registry.
#
# Step 1 makes a minimal Debian rootfs with python3 and nodejs from Debian
# packages (mmdebstrap, installed when missing) and imports it as a base
# image. Step 2 builds assets/sandbox/Dockerfile on top of it, adding the
# runner. Each image carries a label with a content hash of what it was built
# from (this script, assets/sandbox, the package list), so a second run with
# nothing changed finishes at once.
#
# Usage: build-sandbox-image.sh [IMAGE]   (default: vtcode-sandbox:latest)
# Env:   DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONTEXT)
#          the engine to build on, as for any docker command; `vtcode sandbox
#          build-image` sets them to the engine vtcode uses
#        VTCODE_SANDBOX_ASSETS  directory holding the Dockerfile and runners
#        VTCODE_DEBIAN_MIRROR / VTCODE_DEBIAN_SUITE  override the apt sources
set -euo pipefail

image="${1:-vtcode-sandbox:latest}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="${VTCODE_SANDBOX_ASSETS:-$here/../assets/sandbox}"
packages="python3,nodejs"

say() { printf '==> %s\n' "$*"; }

command -v docker >/dev/null || { echo "docker is not installed; install Docker Engine first" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "no Docker engine answered; start it (systemctl start docker) and retry" >&2; exit 1; }
[ -f "$assets/Dockerfile" ] || { echo "no Dockerfile in $assets" >&2; exit 1; }

hash_of() { sha256sum | cut -c1-16; }
base_hash="$(printf '%s\n' "$packages" "$(sed -n '/^# step-1-begin/,/^# step-1-end/p' "$0")" | hash_of)"
full_hash="$( { cat "$0"; printf '%s\n' "$packages"; (cd "$assets" && find . -type f | LC_ALL=C sort | xargs cat); } | hash_of)"

existing="$(docker images -q --filter "label=vtcode.sandbox.hash=$full_hash" | head -n1)"
if [ -n "$existing" ]; then
    docker tag "$existing" "$image"
    say "image $image is up to date (hash $full_hash)"
    exit 0
fi

# step-1-begin
base="vtcode-sandbox-base:$base_hash"
if [ -z "$(docker images -q "$base")" ]; then
    # The Debian mirror and suite come from this machine's apt sources.
    mirror="${VTCODE_DEBIAN_MIRROR:-}"
    suite="${VTCODE_DEBIAN_SUITE:-}"
    if [ -z "$mirror" ]; then
        mirror="$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
            | awk '/^deb / && $2 ~ /\/debian\/?$/ {print $2; exit} /^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')"
    fi
    if [ -z "$suite" ]; then
        suite="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
    fi
    [ -n "$mirror" ] && [ -n "$suite" ] || {
        echo "could not find a Debian mirror and suite in /etc/apt/sources*; set VTCODE_DEBIAN_MIRROR and VTCODE_DEBIAN_SUITE" >&2
        exit 1
    }
    if ! command -v mmdebstrap >/dev/null; then
        say "installing mmdebstrap"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap
    fi
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    say "building a Debian $suite rootfs with $packages"
    mmdebstrap --variant=minbase --include="$packages" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        "$suite" "$work/rootfs.tar" "$mirror"
    say "importing the rootfs as $base"
    docker import --change 'CMD ["/bin/sh"]' "$work/rootfs.tar" "$base" >/dev/null
fi
# step-1-end

say "adding the runner"
log="$(mktemp)"
if ! DOCKER_BUILDKIT=0 docker build -q --label "vtcode.sandbox.hash=$full_hash" --build-arg "BASE=$base" \
        -t "$image" "$assets" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
say "built $image (hash $full_hash)"
