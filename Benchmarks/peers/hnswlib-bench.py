"""hnswlib on the vectors mediagw-bench exported (--vector-export): graph build time on 1 and
all threads with the same M and efConstruction as mediagw's graph, then recall@10 against exact
search and query p50/p99 at a few ef. Prints one JSON object. Run from a throwaway venv with
hnswlib and numpy (Benchmarks/peers/vectors.sh); never a project dependency.

    python hnswlib-bench.py VECTORS.f32 QUERIES.f32 [--dimension 384] [--m 16] [--ef-construction 100]
"""
import argparse
import json
import os
import time

import hnswlib
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("vectors")
parser.add_argument("queries")
parser.add_argument("--dimension", type=int, default=384)
parser.add_argument("--m", type=int, default=16)
parser.add_argument("--ef-construction", type=int, default=100)
args = parser.parse_args()

data = np.fromfile(args.vectors, dtype="<f4").reshape(-1, args.dimension)
queries = np.fromfile(args.queries, dtype="<f4").reshape(-1, args.dimension)
# mediagw times its queries twice over; the same here.
queries = np.concatenate([queries, queries])
count = data.shape[0]
result = {"engine": f"hnswlib {hnswlib.__version__ if hasattr(hnswlib, '__version__') else ''}".strip(),
          "titles": count, "m": args.m, "ef_construction": args.ef_construction, "builds": {}}


def build(threads):
    index = hnswlib.Index(space="ip", dim=args.dimension)
    index.init_index(max_elements=count, M=args.m, ef_construction=args.ef_construction, random_seed=42)
    index.set_num_threads(threads)
    started = time.perf_counter()
    index.add_items(data, np.arange(count))
    return index, time.perf_counter() - started


cores = os.cpu_count() or 1
for threads in sorted({1, cores}):
    index, seconds = build(threads)
    result["builds"][str(threads)] = seconds

# Exact top 10 by inner product (the vectors are unit length, so cosine).
exact = [set(np.argpartition(-(data @ q), 10)[:10].tolist()) for q in queries]
index.set_num_threads(1)
result["search"] = []
for ef in [64, 128, 200, 400]:
    index.set_ef(ef)
    times, found = [], 0
    for q, truth in zip(queries, exact):
        started = time.perf_counter()
        labels, _ = index.knn_query(q, k=10)
        times.append((time.perf_counter() - started) * 1000)
        found += len(truth.intersection(labels[0].tolist()))
    times.sort()
    result["search"].append({"ef": ef, "p50_ms": times[len(times) // 2],
                             "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))],
                             "recall_at_10": found / (10 * len(queries))})
print(json.dumps(result))
