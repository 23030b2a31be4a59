#!/usr/bin/env bash
# The README's second command: installs what the tests need (system libraries and the embedding
# model; the golden embedding tests run against the real model; Chromium for the search page;
# SeaweedFS for the object store; a NATS server and nats-py for change events) and runs the whole
# test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/install-model.sh
# The object-store tests run against a real S3-compatible server (SeaweedFS).
scripts/install-seaweedfs.sh
# Change events go to a real NATS server with JetStream, read back with nats-py.
scripts/install-nats.sh
exec swift test "$@"
