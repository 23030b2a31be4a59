#!/usr/bin/env bash
# Builds the relevance set (make-eval-set.py), a snapshot of its catalog with embeddings, and runs
# `mediagw eval` on both parts. Sources in $EVAL_DATA (default .build/eval-data; README.md here
# says where each comes from):
#   films.jsonl.zst  ml-latest-small/{movies,links,tags}.csv  tmdb-overviews.csv  tmdb-keywords.csv
#   movies.rda (Wikipedia plots, for the `plot` queries; read with the PyPI package rdata in a venv)
# Usage: Benchmarks/relevance/run.sh [--rebuild] [--peers] [eval options…]   (release binary)
#   --rebuild  import and build the snapshot again (it is kept between runs)
#   --peers    also run tantivy (BM25, en_stem) on the same set, from a throwaway venv
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${EVAL_DATA:-.build/eval-data}"
work=".build/eval"
rebuild=false
peers=false
while [ $# -gt 0 ]; do
    case "$1" in
    --rebuild) rebuild=true; shift ;;
    --peers) peers=true; shift ;;
    *) break ;;
    esac
done
for file in films.jsonl.zst ml-latest-small/movies.csv ml-latest-small/links.csv ml-latest-small/tags.csv \
    tmdb-overviews.csv tmdb-keywords.csv movies.rda; do
    [ -f "$data/$file" ] || { echo "missing $data/$file (see Benchmarks/relevance/README.md)" >&2; exit 66; }
done
swift build -c release --product mediagw >/dev/null
bin="$(swift build -c release --show-bin-path)/mediagw"
mkdir -p "$work"
venv=".build/venv-eval"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import rdata" 2>/dev/null || "$venv/bin/pip" install -q rdata
"$venv/bin/python" Benchmarks/relevance/make-eval-set.py --wikidata "$data/films.jsonl.zst" \
    --movielens "$data/ml-latest-small" --tmdb-overviews "$data/tmdb-overviews.csv" \
    --tmdb-keywords "$data/tmdb-keywords.csv" --plots "$data/movies.rda" "$work/set"
export MEDIAGW_STAGING="$work/staging.sqlite" MEDIAGW_SNAPSHOTS="$work/snapshots"
if $rebuild || [ ! -f "$work/snapshots/CURRENT" ]; then
    rm -rf "$work/staging.sqlite"* "$work/snapshots"
    "$bin" import "$work/set/catalog.jsonl" --source eval --no-progress
    "$bin" build --no-progress
fi
for part in tune check; do
    "$bin" eval "$work/set/$part.tsv" "$@"
done
if $peers; then
    venv=".build/venv-peers"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q tantivy
    for part in tune check; do
        "$venv/bin/python" Benchmarks/relevance/tantivy-eval.py "$work/set/catalog.jsonl" "$work/set/$part.tsv"
    done
fi
