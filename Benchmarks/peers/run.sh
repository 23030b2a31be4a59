#!/usr/bin/env bash
# mediagw's lexical search beside tantivy-py (BM25, English stemmer) in one run: the same corpus
# (make-corpus.py: the bundled real films replicated with variations), the same 1,005 queries
# (make-queries.py: 505 descriptions, 500 one- and two-word title queries), top 10 with each
# hit's id and display title read (mediagw also prints a pass decoding whole titles, as the daemon
# serves them). Prints each engine's index build time and query p50/p99, and the ratios.
# tantivy comes from PyPI into a throwaway venv in the work directory; it is never a project
# dependency. Not a test: it asserts nothing.
#
#   Benchmarks/peers/run.sh [--titles 100000]      (MEDIAGW_PEERS_DIR keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/common.sh
peers_setup "$0" "$@"
bin=.build/release
if ! "$work/venv/bin/python" -c "import tantivy" 2>/dev/null; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q tantivy
fi
python3 Benchmarks/peers/make-corpus.py samples/catalog.jsonl.zst "$titles" "$work/corpus.jsonl"
python3 Benchmarks/peers/make-queries.py "$work/corpus.jsonl" "$work/queries.txt"

# mediagw: import, then a lexical-only build (resolution included, as every build does it).
export MEDIAGW_STAGING="$work/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/snapshots"
rm -rf "$work/staging.sqlite"* "$work/snapshots"
started=$(date +%s.%N)
"$bin/mediagw" import "$work/corpus.jsonl" --source peers --no-progress >/dev/null
imported=$(date +%s.%N)
"$bin/mediagw" build --no-embeddings --no-progress --json >"$work/build.json"
built=$(date +%s.%N)
snapshot="$work/snapshots/$(cat "$work/snapshots/CURRENT")"
mediagw_line=$("$bin/mediagw-bench" --snapshot "$snapshot" --queries "$work/queries.txt" | grep ' search: ')
tantivy_json=$("$work/venv/bin/python" Benchmarks/peers/tantivy-bench.py "$work/corpus.jsonl" "$work/queries.txt")

python3 - "$titles" "$started" "$imported" "$built" "$mediagw_line" "$tantivy_json" "$work/build.json" <<'PY'
import json, re, sys
titles, started, imported, built, line, peer, summary = sys.argv[1:]
phases = json.load(open(summary))["phases"]
unresolved = sum(seconds for phase, seconds in phases.items() if phase != "resolve")
p50, p99 = map(float, re.search(r"with names p50 ([\d.]+) ms, p99 ([\d.]+) ms", line).groups())
whole50, whole99 = map(float, re.search(r"with titles p50 ([\d.]+) ms, p99 ([\d.]+) ms", line).groups())
hits = re.search(r"([\d.]+)% with hits", line).group(1)
peer = json.loads(peer)
build = float(built) - float(imported)
print(f"{int(titles):,} titles, {peer['queries']} queries, top 10 with each hit's id and title read; 1 query at a time")
print(f"| engine | import | index build | p50 | p99 | queries with hits |")
print(f"|---|---|---|---|---|---|")
print(f"| mediagw lexical | {float(imported) - float(started):.1f} s | {build:.1f} s ({unresolved:.1f} s without "
      f"resolution: {', '.join(f'{k} {v:.2f} s' for k, v in sorted(phases.items()))}) | {p50:.3f} ms | {p99:.3f} ms | {hits} % |")
print(f"| mediagw, whole titles decoded | | | {whole50:.3f} ms | {whole99:.3f} ms | |")
print(f"| {peer['engine']} | | {peer['build_seconds']:.1f} s | {peer['p50_ms']:.3f} ms | {peer['p99_ms']:.3f} ms | "
      f"{100 * peer['with_hits'] / peer['queries']:.1f} % |")
print(f"ratio mediagw / tantivy: p50 {p50 / peer['p50_ms']:.2f}, p99 {p99 / peer['p99_ms']:.2f}, "
      f"build {build / peer['build_seconds']:.2f}, build without resolution {unresolved / peer['build_seconds']:.2f}")
PY
echo "work directory: $work"
