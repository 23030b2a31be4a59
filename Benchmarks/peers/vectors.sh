#!/usr/bin/env bash
# mediagw's vector graph beside hnswlib in one run, on the same vectors: mediagw-bench
# --embeddings scales the sample films' real MiniLM vectors to N titles (blended with another
# title's and noised, Benchmarks/MediagwBenchmarks/EmbeddingBenchmarks.swift) and exports them
# as float32; hnswlib builds the same M 16 / efConstruction 100 graph on 1 and all cores. Prints
# both engines' graph build time, recall@10 and query p50/p99, and the build ratio.
# mediagw's graph time is its snapshot write with the graph less the write without it.
# mediagw stores int8 vectors and hnswlib float32: the recall and query columns compare what
# each engine does, not the same arithmetic. Not a test: it asserts nothing. Needs the model
# (scripts/install-model.sh).
#
#   Benchmarks/peers/vectors.sh [--titles 100000]      (MEDIAGW_PEERS_DIR keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Benchmarks/common.sh
peers_setup "$0" "$@"
mkdir -p "$work/vectors"
if ! "$work/venv/bin/python" -c "import hnswlib, numpy" 2>/dev/null; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q hnswlib numpy
fi
.build/release/mediagw-bench --embeddings --vector-titles "$titles" --vector-export "$work/vectors" \
    | tee "$work/vectors/mediagw.txt" | grep "^$titles titles"
"$work/venv/bin/python" Benchmarks/peers/hnswlib-bench.py \
    "$work/vectors/vectors-$titles.f32" "$work/vectors/queries.f32" > "$work/vectors/hnswlib.json"

python3 - "$titles" "$work/vectors/mediagw.txt" "$work/vectors/hnswlib.json" <<'PY'
import json, re, sys
titles, text, peer = sys.argv[1], open(sys.argv[2]).read(), json.load(open(sys.argv[3]))
without = float(re.search(rf"{titles} titles: snapshot with vectors, no graph, made in ([\d.]+) s", text).group(1))
whole = float(re.search(rf"{titles} titles: snapshot with vectors and HNSW graph written in ([\d.]+) s", text).group(1))
graph = whole - without
print(f"{int(titles):,} titles, M {peer['m']}, efConstruction {peer['ef_construction']}")
print("| engine | graph build | ef | recall@10 | p50 | p99 |")
print("|---|---|---|---|---|---|")
for ef, p50, p99, recall in re.findall(r"graph vector search ef (\d+)[^:]*: p50 ([\d.]+) ms, p99 ([\d.]+) ms, recall@10 ([\d.]+)", text):
    print(f"| mediagw (int8) | {graph:.1f} s | {ef} | {recall} | {p50} ms | {p99} ms |")
builds = peer["builds"]
most = max(builds, key=int)
for row in peer["search"]:
    print(f"| hnswlib (float32) | {builds[most]:.1f} s ({most} threads) | {row['ef']} | {row['recall_at_10']:.3f} | "
          f"{row['p50_ms']:.3f} ms | {row['p99_ms']:.3f} ms |")
print("hnswlib build by threads: " + ", ".join(f"{t}: {s:.1f} s" for t, s in sorted(builds.items(), key=lambda x: int(x[0]))))
print(f"ratio mediagw / hnswlib graph build ({most} threads): {graph / builds[most]:.2f}")
PY
echo "work directory: $work"
