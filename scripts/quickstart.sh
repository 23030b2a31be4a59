#!/usr/bin/env bash
# The README's first command: installs what is needed (system libraries, the embedding model),
# builds a release binary, starts the provider simulator on loopback and runs the example job
# `nightly` against it (ingest all four providers, resolve, embed, build, publish), adds the
# bundled Wikidata sample, then serves the snapshot on localhost and prints example queries.
# Safe to run again: cursors continue, re-imports change nothing, embeddings come from the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"

scripts/install-deps.sh
scripts/install-model.sh
# The compiler's own progress ("[120/480] Compiling …"): one line redrawn on a terminal, every
# 50th step elsewhere; errors and warnings in full.
build_progress() {
    local tty=0 step
    [ -t 2 ] && tty=1
    while IFS= read -r line; do
        case "$line" in
            *swift-distributed-tracing*) ;;
            \[[0-9]*/[0-9]*\]*)
                if [ "$tty" = 1 ]; then
                    printf '\r\033[K    %.100s' "$line" >&2
                else
                    step="${line%%/*}"; step="${step#[}"
                    [ $((step % 50)) = 0 ] && echo "    $line" >&2
                fi ;;
            *error*|*warning:*)
                [ "$tty" = 1 ] && printf '\r\033[K' >&2
                echo "$line" >&2 ;;
            *"Build complete"*)
                [ "$tty" = 1 ] && printf '\r\033[K' >&2
                echo "    $line" ;;
        esac
    done
    [ "$tty" = 1 ] && printf '\r\033[K' >&2
    return 0
}
echo "==> building (release; the first build takes a few minutes, progress below)"
swift build -c release --product mediagw 2>&1 | build_progress || true
bin="$(swift build -c release --show-bin-path)/mediagw"
[ -x "$bin" ] || { echo "build failed; run 'swift build -c release' to see why" >&2; exit 1; }

export MEDIAGW_STAGING="${MEDIAGW_STAGING:-var/staging.sqlite}"
export MEDIAGW_SNAPSHOTS="${MEDIAGW_SNAPSHOTS:-snapshots}"
sim_port="${SIMULATOR_PORT:-8090}"
sim_connectors="var/simulator/connectors"

echo "==> provider simulator on http://127.0.0.1:$sim_port (YouTube, Streaming Availability, Watchmode, JustWatch wire formats)"
mkdir -p var/simulator
"$bin" simulate --port "$sim_port" --titles 3000 --catalog samples/catalog.jsonl.zst \
    --connectors "$sim_connectors" > var/simulator/simulator.log 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" var/simulator/simulator.log 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || { cat var/simulator/simulator.log >&2; exit 1; }
    sleep 0.1
done
# The simulator accepts any key; the connector files name the same variables as the real ones.
export STREAMING_AVAILABILITY_API_KEY="${STREAMING_AVAILABILITY_API_KEY:-simulator}"
export WATCHMODE_API_KEY="${WATCHMODE_API_KEY:-simulator}"
export YOUTUBE_API_KEY="${YOUTUBE_API_KEY:-simulator}"

echo "==> job 'nightly' (jobs/nightly.yml): ingest all four providers, resolve, embed, build, publish"
"$bin" run nightly --connectors "$sim_connectors" --wait 1m
echo "==> the bundled Wikidata sample (real films with plots), then a second build with it"
"$bin" import samples/catalog.jsonl.zst --source wikidata
"$bin" import samples/offers.jsonl.zst --source offers
"$bin" build
"$bin" snapshot verify
"$bin" runs --limit 5

cat <<TXT

==> serving on http://127.0.0.1:$port (Ctrl-C stops it). Open http://127.0.0.1:$port/ in a browser
for the search page, or try, from another terminal:
  curl -s 'http://127.0.0.1:$port/v1/search?q=taxi%20driver&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/search?q=man%20trapped%20in%20a%20phone%20box%20by%20a%20sniper&limit=3'   # by meaning
  curl -s 'http://127.0.0.1:$port/v1/search?q=lonely%20cabbie%20goes%20violent&mode=semantic&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/search?q=gangster%20returns%20to%20newcastle%20to%20avenge%20his%20brother&limit=3'   # a Wikipedia plot
  curl -s 'http://127.0.0.1:$port/v1/search?q=kubrik&limit=5'                      # typo tolerated
  curl -s 'http://127.0.0.1:$port/v1/search?q=scorsese&country=US&monetization=subscription'
  curl -s 'http://127.0.0.1:$port/v1/search?genre=western&year_to=1960&limit=5'
  curl -s 'http://127.0.0.1:$port/v1/search?q=hitchcock&facets=genre,service&limit=3'
  curl -s 'http://127.0.0.1:$port/v1/snapshot'
  curl -s 'http://127.0.0.1:$port/metrics'
  $bin snapshot query "$MEDIAGW_SNAPSHOTS/$(cat "$MEDIAGW_SNAPSHOTS/CURRENT")" "alien"
  $bin snapshot query "$MEDIAGW_SNAPSHOTS/$(cat "$MEDIAGW_SNAPSHOTS/CURRENT")" "" --similar-to ID   # ID from a result

TXT
echo "(the provider simulator keeps running until the server stops)"
"$bin" serve --port "$port"
