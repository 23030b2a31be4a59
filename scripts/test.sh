#!/usr/bin/env bash
# The README's second command: installs what the tests need and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec swift test "$@"
