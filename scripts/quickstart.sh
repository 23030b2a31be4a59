#!/usr/bin/env bash
# The README's first command: installs what is needed (system libraries, the embedding model),
# builds a release binary, runs the sample job (import the bundled catalog and offers, resolve,
# embed, build and publish a snapshot), then serves it on localhost and prints example queries.
# Safe to run again: re-importing changes nothing and embeddings come from the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"

scripts/install-deps.sh
scripts/install-model.sh
echo "==> building (release; the first build takes a few minutes)"
swift build -c release --product mediagw 2>&1 | grep -E "error|warning: |complete" | grep -v swift-distributed-tracing || true
bin="$(swift build -c release --show-bin-path)/mediagw"
[ -x "$bin" ] || { echo "build failed; run 'swift build -c release' to see why" >&2; exit 1; }

export MEDIAGW_STAGING="${MEDIAGW_STAGING:-var/staging.sqlite}"
export MEDIAGW_SNAPSHOTS="${MEDIAGW_SNAPSHOTS:-snapshots}"
echo "==> sample job: import, resolve, embed, build, publish (the first build embeds 3,000 titles)"
"$bin" import samples/catalog.jsonl.zst --source wikidata
"$bin" import samples/offers.jsonl.zst --source offers
"$bin" build
"$bin" snapshot verify

cat <<TXT

==> serving on http://127.0.0.1:$port (Ctrl-C stops it). Try, from another terminal:
  curl -s 'http://127.0.0.1:$port/v1/search?q=taxi%20driver&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/search?q=man%20trapped%20in%20a%20phone%20box%20by%20a%20sniper&limit=3'   # by meaning
  curl -s 'http://127.0.0.1:$port/v1/search?q=lonely%20cabbie%20goes%20violent&mode=semantic&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/search?q=kubrik&limit=5'                      # typo tolerated
  curl -s 'http://127.0.0.1:$port/v1/search?q=scorsese&country=US&monetization=subscription'
  curl -s 'http://127.0.0.1:$port/v1/search?genre=western&year_to=1960&limit=5'
  curl -s 'http://127.0.0.1:$port/v1/search?q=hitchcock&facets=genre,service&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/snapshot'
  curl -s 'http://127.0.0.1:$port/metrics'
  $bin snapshot query "$MEDIAGW_SNAPSHOTS/$(cat "$MEDIAGW_SNAPSHOTS/CURRENT")" "alien"
  $bin snapshot query "$MEDIAGW_SNAPSHOTS/$(cat "$MEDIAGW_SNAPSHOTS/CURRENT")" "" --similar-to ID   # ID from a result

TXT
exec "$bin" serve --port "$port"
