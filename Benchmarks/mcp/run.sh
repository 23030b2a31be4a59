#!/usr/bin/env bash
# The assistant's and the page's speed against the plain API, in one run on one snapshot:
# `tools/call search_titles` over stdio (`mediagw mcp`) and over Streamable HTTP (`/mcp`) beside
# the same `GET /v1/search`, sequential requests on loopback, p50/p99 of each and the
# differences; then the search page's first render in headless Chromium (the page records the
# time from the HTML's arrival to its first rendered results in `data-first-render-ms`;
# page-render.py reads it over the DevTools protocol).
# Usage: Benchmarks/mcp/run.sh [REQUESTS]   (release binary; builds the sample snapshot)
set -euo pipefail
cd "$(dirname "$0")/../.."
requests="${1:-500}"
swift build -c release --product mediagw >/dev/null
bin="$(swift build -c release --show-bin-path)/mediagw"
work="$(mktemp -d)"
trap 'kill "${daemon:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export MEDIAGW_STAGING="$work/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/snapshots"
"$bin" import samples/catalog.jsonl.zst --source wikidata --no-progress >/dev/null
"$bin" import samples/offers.jsonl.zst --source offers --no-progress >/dev/null
"$bin" build --no-progress >/dev/null
"$bin" serve --port 0 > "$work/serve.out" 2> "$work/serve.err" &
daemon=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.out" | head -1)"
echo "mediagw $("$bin" --version), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $requests requests each"
python3 - "$bin" "$port" "$requests" <<'PY'
import http.client, json, subprocess, sys, time, statistics
binary, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
queries = ["taxi driver", "hitchcock", "space station", "western", "love in paris", "kubrick", "war", "shark"]
def percentiles(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2] * 1000, samples[int(len(samples) * 0.99) - 1] * 1000
def timed(call):
    samples = []
    for index in range(count):
        started = time.perf_counter(); call(queries[index % len(queries)]); samples.append(time.perf_counter() - started)
    return percentiles(samples)
connection = http.client.HTTPConnection("127.0.0.1", port)
def api(query):
    connection.request("GET", "/v1/search?" + "&".join(["q=" + query.replace(" ", "%20"), "limit=10"]))
    body = json.loads(connection.getresponse().read()); assert body["results"] is not None
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
mcp = http.client.HTTPConnection("127.0.0.1", port)
def post(message, session=None):
    extra = dict(headers)
    if session: extra.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"})
    mcp.request("POST", "/mcp", json.dumps(message), extra); response = mcp.getresponse(); data = response.read()
    return response.getheader("Mcp-Session-Id"), data
session, _ = post({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
sequence = [0]
def over_http(query):
    sequence[0] += 1
    _, data = post({"jsonrpc": "2.0", "id": sequence[0], "method": "tools/call", "params": {"name": "search_titles", "arguments": {"query": query, "limit": 10}}}, session)
    assert b'"structuredContent"' in data
stdio = subprocess.Popen([binary, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
def rpc(message):
    stdio.stdin.write((json.dumps(message) + "\n").encode()); stdio.stdin.flush()
    if "id" in message:
        while True:
            line = json.loads(stdio.stdout.readline())
            if line.get("id") == message["id"]: return line
rpc({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
rpc({"jsonrpc": "2.0", "method": "notifications/initialized"})
def over_stdio(query):
    sequence[0] += 1
    assert "structuredContent" in rpc({"jsonrpc": "2.0", "id": sequence[0], "method": "tools/call", "params": {"name": "search_titles", "arguments": {"query": query, "limit": 10}}})["result"]
for warm in (api, over_http, over_stdio):
    for query in queries * 5: warm(query)
rows = [("GET /v1/search", timed(api)), ("MCP over HTTP (/mcp)", timed(over_http)), ("MCP over stdio (mediagw mcp)", timed(over_stdio))]
base = rows[0][1]
print("| path | p50 ms | p99 ms | p50 − API | p99 − API |\n|---|---|---|---|---|")
for name, (p50, p99) in rows:
    print(f"| {name} | {p50:.2f} | {p99:.2f} | {p50 - base[0]:+.2f} | {p99 - base[1]:+.2f} |")
stdio.stdin.close(); stdio.wait()
PY
if command -v chromium >/dev/null; then
    # One running browser, as a user's is: each of 4 queries loaded 10 times (the very first
    # load of the browser process is reported apart, as the cold figure).
    python3 Benchmarks/mcp/page-render.py "http://127.0.0.1:$port" 10 \
        "taxi%20driver" "hitchcock" "western&country=US" "space%20station"
    # The daemon remembers recent query vectors (`--query-cache`), so the repeated loads above
    # are answered without the model. Here every load is a query asked for the first time: the
    # lines of Benchmarks/queries.txt not used above, so each first search embeds its query.
    mapfile -t fresh < <(python3 - <<'PY'
import urllib.parse
used = {"taxi driver", "hitchcock", "space station", "western", "love in paris", "kubrick", "war", "shark"}
seen = set()
for line in open("Benchmarks/queries.txt"):
    query = line.split("\t")[0].strip()
    if query and query not in used and query not in seen:
        seen.add(query)
        print(urllib.parse.quote(query))
PY
)
    python3 Benchmarks/mcp/page-render.py "http://127.0.0.1:$port" 1 "${fresh[@]}"
fi
