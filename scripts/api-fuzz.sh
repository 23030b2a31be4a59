#!/usr/bin/env bash
# Property-based API testing: schemathesis generates requests from the daemon's /openapi.json
# for SECONDS (default 120) and fails on any 5xx, crash, response that breaks the schema, or
# schema-valid request refused. The daemon serves a snapshot of 300 sample titles with vectors
# and the embedding model, so every capability (semantic, similar) is present. Needs the
# model (scripts/install-model.sh) and a debug build (swift build); CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
work="$(mktemp -d)"
venv=.build/venv-schemathesis
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [[ ! -x "$venv/bin/st" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'schemathesis==4.32.5'
fi

swift build --product mediagw
mediagw=.build/debug/mediagw
export MEDIAGW_STAGING="$work/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/snapshots"
# head closes the pipe early; zstdcat's SIGPIPE is expected.
zstdcat samples/catalog.jsonl.zst | head -n 300 >"$work/catalog.jsonl" || true
zstdcat samples/offers.jsonl.zst | head -n 300 >"$work/offers.jsonl" || true
"$mediagw" import "$work/catalog.jsonl" --source wikidata
"$mediagw" import "$work/offers.jsonl" --source offers
"$mediagw" build

"$mediagw" serve --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 300); do
    if grep -q '^listening on ' "$work/serve.out"; then break; fi
    sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$work/serve.out" | head -n 1)"
[[ -n "$base" ]] || { echo "api-fuzz: the daemon did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }

# /v1/changes answers a build it cannot reach with a documented 410 (Gone): for a schema-valid
# since that is not a kept build, that is the right answer, not a refusal.
cat >"$work/schemathesis.toml" <<'TOML'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "429", "5xx"]
TOML
status=0
(cd "$work" && "$OLDPWD/$venv/bin/st" --config-file "$work/schemathesis.toml" run "$base/openapi.json" --checks all \
    --max-examples 300 --max-time "$seconds" --seed 20261201 --no-color) || status=$?
if ! kill -0 "$server" 2>/dev/null; then
    echo "api-fuzz: the daemon died during the run:" >&2
    tail -n 40 "$work/serve.err" >&2
    status=1
fi
exit "$status"
