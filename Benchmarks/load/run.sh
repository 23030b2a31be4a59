#!/usr/bin/env bash
# Load on the real daemon, measured with wrk (Debian's package) on loopback. Not a test: it
# asserts nothing and prints figures for docs/benchmarks.md.
#
#   Benchmarks/load/run.sh [--duration 20] [--connections 32] [--soak 600]
#
# 1. Lexical: a generated 100,000-title snapshot (mediagw-bench --titles 100000), the queries of
#    Benchmarks/queries.txt round-robin, mode=lexical, with /healthz probed at the same time
#    ten times a second, as a liveness probe asks, and the daemon's RSS sampled every second.
#    The mix repeats its 43 queries, so after the first round the daemon answers every one from
#    its kept answers (--response-cache, default 64 MB); then again with --response-cache 0,
#    where every request is searched; then with queries that do not repeat ("fresh": 60,000
#    distinct one- to three-word title queries and prefixes drawn from the catalog, seed 7) and
#    the same pool drawn by popularity ("zipf": Zipf s = 1, as search logs are), cache on.
# 2. Hybrid: the sample catalog (3,000 real films) built with the embedding model (the 100k
#    generated catalog has no real vectors to rank), with the daemon's kept answers, and again
#    with --response-cache 0 --query-cache 0, where every query is embedded by MiniLM and searched.
# 3. --soak S: lexical load for S seconds while a new snapshot is published every 30 s; counts
#    non-2xx answers (there should be none).
# wrk shares the 2 cores with the daemon: figures are for the pair, as a client on the same host.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=20
connections=32
soak=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --soak) soak="$2"; shift 2 ;;
        *) echo "usage: $0 [--duration S] [--connections N] [--soak S]" >&2; exit 64 ;;
    esac
done
source Benchmarks/common.sh
ensure_wrk
work="${MEDIAGW_LOAD_DIR:-$(mktemp -d)}"
mkdir -p "$work"
build_release "$work"
bin=.build/release
server=""
stop_server() { if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap stop_server EXIT
write_query_paths "$work"

serve() {  # serve SNAPSHOTS_DIR [FLAG...]: starts the daemon, sets $base
    local snapshots="$1"
    shift
    "$bin/mediagw" serve --port 0 --snapshots "$snapshots" --log-level error "$@" >"$work/serve.out" 2>"$work/serve.err" &
    server=$!
    for _ in $(seq 1 300); do grep -q '^listening on ' "$work/serve.out" && break; sleep 0.1; done
    base="$(sed -n 's/^listening on //p' "$work/serve.out" | head -n 1)"
}
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status"; }

measure() {  # measure LABEL PATHS_FILE: load + healthz probe + RSS samples
    local label="$1" paths="$2"
    curl -s "$base/v1/search?q=warmup&limit=1" >/dev/null
    local rss_start; rss_start=$(rss_mb)
    PATHS="$paths" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/paths.lua" "$base" >"$work/$label.wrk" &
    local load=$!
    # As a liveness probe asks: ten times a second, a new connection each time (a probe at
    # full speed, as wrk would send it, takes a third of the cores from the searches).
    python3 - "$base" "$duration" >"$work/$label-healthz.txt" <<'PY' &
import sys, time, urllib.request
base, duration = sys.argv[1], float(sys.argv[2])
samples, failures, end = [], 0, time.time() + duration
while time.time() < end:
    started = time.perf_counter()
    try:
        urllib.request.urlopen(base + "/healthz", timeout=5).read()
        samples.append((time.perf_counter() - started) * 1000)
    except Exception:
        failures += 1
    time.sleep(max(0, 0.1 - (time.perf_counter() - started)))
samples.sort()
print(f"{len(samples)} probes, {failures} failed: p50 {samples[len(samples) // 2]:.2f} ms, "
      f"p99 {samples[max(0, int(len(samples) * 0.99) - 1)]:.2f} ms, max {samples[-1]:.2f} ms")
PY
    local probe=$!
    local samples=()
    while kill -0 "$load" 2>/dev/null; do samples+=("$(rss_mb)"); sleep 1; done
    wait "$load" "$probe"
    echo "== $label: $connections connections, ${duration} s"
    grep -E "Requests/sec|Non-2xx| 50%| 99%|Socket errors" "$work/$label.wrk" | sed 's/^/   search  /'
    sed 's/^/   healthz /' "$work/$label-healthz.txt"
    echo "   RSS MB: start $rss_start, samples ${samples[*]:-}"
}

# 1. Lexical on 100,000 generated titles.
if [[ ! -d "$work/gen/100000/snapshots" ]]; then
    "$bin/mediagw-bench" --titles 100000 --queries 10 --output "$work/gen" >"$work/gen.log"
fi
python3 - "$work/gen/100000/catalog.jsonl" "$work/paths-fresh.txt" "$work/paths-zipf.txt" <<'PY'
import bisect, itertools, json, random, re, sys, urllib.parse
rng = random.Random(7)
titles = [re.findall(r"[a-z0-9']+", json.loads(line)["title"].lower()) for line in open(sys.argv[1])]
pool, seen = [], set()
while len(pool) < 60000:
    words = rng.choice(titles)
    if not words:
        continue
    length = min(len(words), rng.choice([1, 2, 2, 3]))
    start = rng.randrange(len(words) - length + 1)
    text = " ".join(words[start:start + length])
    if rng.random() < 0.2 and len(text) > 4:
        text = text[:rng.randrange(3, len(text))]  # typed so far: a prefix
    if text not in seen:
        seen.add(text)
        pool.append("/v1/search?mode=lexical&limit=10&q=" + urllib.parse.quote(text))
open(sys.argv[2], "w").write("\n".join(pool) + "\n")
weights = list(itertools.accumulate(1 / rank for rank in range(1, len(pool) + 1)))
draws = [pool[bisect.bisect(weights, rng.random() * weights[-1])] for _ in range(200000)]
open(sys.argv[3], "w").write("\n".join(draws) + "\n")
PY
serve "$work/gen/100000/snapshots"
measure lexical-100k "$work/paths-lexical.txt"
stop_server
serve "$work/gen/100000/snapshots" --response-cache 0
measure lexical-100k-uncached "$work/paths-lexical.txt"
stop_server
serve "$work/gen/100000/snapshots"
measure lexical-100k-fresh "$work/paths-fresh.txt"
stop_server
serve "$work/gen/100000/snapshots"
measure lexical-100k-zipf "$work/paths-zipf.txt"
stop_server

# 2. Hybrid on the sample catalog with real vectors.
if [[ ! -f "$work/sample/snapshots/CURRENT" ]]; then
    export MEDIAGW_STAGING="$work/sample/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/sample/snapshots"
    "$bin/mediagw" import samples/catalog.jsonl.zst --source wikidata >/dev/null
    "$bin/mediagw" import samples/offers.jsonl.zst --source offers >/dev/null
    "$bin/mediagw" build >/dev/null
    unset MEDIAGW_STAGING MEDIAGW_SNAPSHOTS
fi
serve "$work/sample/snapshots"
measure hybrid-3k "$work/paths-hybrid.txt"
stop_server
# The same without kept answers or remembered query vectors: every request runs the model.
serve "$work/sample/snapshots" --response-cache 0 --query-cache 0
measure hybrid-3k-uncached "$work/paths-hybrid.txt"
stop_server

# 3. Soak with hot swaps.
if [[ "$soak" -gt 0 ]]; then
    snapshots="$work/gen/100000/snapshots"
    serve "$snapshots"
    PATHS="$work/paths-lexical.txt" wrk -t2 -c"$connections" -d"${soak}s" -s "$work/paths.lua" "$base" >"$work/soak.wrk" &
    load=$!
    swaps=0
    current="$(cat "$snapshots/CURRENT")"
    while kill -0 "$load" 2>/dev/null; do
        sleep 30
        kill -0 "$load" 2>/dev/null || break
        # A new name for the same bytes is a new snapshot to the watcher: verified and swapped in.
        swaps=$((swaps + 1))
        name="snapshot-29990101T0000000$(printf %02d $((swaps % 100)))Z-soak.mgws"
        cp "$snapshots/$current" "$snapshots/.$name" && mv "$snapshots/.$name" "$snapshots/$name"
        echo "$name" >"$snapshots/CURRENT.tmp" && mv "$snapshots/CURRENT.tmp" "$snapshots/CURRENT"
    done
    wait "$load"
    echo "== soak: ${soak} s, $swaps hot swaps"
    grep -E "Requests/sec|Non-2xx|Socket errors|requests in" "$work/soak.wrk" | sed 's/^/   /'
    echo "   RSS MB at the end: $(rss_mb)"
    stop_server
fi
echo "work directory: $work"
