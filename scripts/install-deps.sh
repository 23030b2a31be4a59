#!/usr/bin/env bash
# Installs the system libraries mediagw builds against (Debian/Ubuntu). Idempotent: does
# nothing when they are all present. Needs root or sudo. `--test` adds what only the tests need:
# Chromium, the real browser the search page is tested in.
set -euo pipefail
packages=(libcurl4-openssl-dev libxml2-dev libsqlite3-dev libzstd-dev zlib1g-dev libopenblas-dev pkg-config zstd python3-pip)
if [ "${1:-}" = "--test" ]; then packages+=(chromium); fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
