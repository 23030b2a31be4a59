#!/usr/bin/env python3
"""The side-by-side benchmark's tantivy half: index the corpus, replay the queries, print figures.

    Benchmarks/peers/tantivy-bench.py corpus.jsonl queries.txt

Run by Benchmarks/peers/run.sh from a throwaway venv (`pip install tantivy`), never a project
dependency. One document a film: `title`, `people` (directors and the first ten cast members, as
mediagw indexes them) and `overview`, each with tantivy's English stemmer; `id` and `title`
stored. The index is built with one writer thread, committed, and searched through one searcher
(mmap, as a served index is). A query is its words, every one optional, over the three text
fields; a measured query is the search for the top 10 plus reading each hit's stored id and
title, as mediagw's figure includes fetching its titles. Prints one JSON line.
"""
import json, re, statistics, sys, tempfile, time

import tantivy


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    corpus, queries_path = sys.argv[1], sys.argv[2]
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("people", tokenizer_name="en_stem")
    builder.add_text_field("overview", tokenizer_name="en_stem")
    schema = builder.build()
    directory = tempfile.mkdtemp(prefix="tantivy-peers-")
    index = tantivy.Index(schema, path=directory)
    films = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    started = time.perf_counter()
    writer = index.writer(heap_size=300_000_000, num_threads=1)
    for film in films:
        people = " ".join((film.get("directors") or []) + (film.get("cast") or [])[:10])
        writer.add_document(tantivy.Document(
            id=film["id"], title=film["title"], people=people, overview=film.get("overview") or ""))
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    queries = [line.split("\t")[0].strip() for line in open(queries_path, encoding="utf-8") if line.strip()]
    parsed = []
    for text in queries:
        words = re.findall(r"\w+", text)
        parsed.append(index.parse_query(" ".join(words), ["title", "people", "overview"]) if words else None)
    def run(query):
        if query is None:
            return 0
        hits = searcher.search(query, 10).hits
        for _, address in hits:
            document = searcher.doc(address)
            document["id"], document["title"]
        return len(hits)
    for query in parsed[:100]:
        run(query)  # warm, as mediagw-bench warms
    times, with_hits = [], 0
    for query in parsed:
        started = time.perf_counter()
        with_hits += run(query) > 0
        times.append((time.perf_counter() - started) * 1000)
    print(json.dumps({
        "engine": f"tantivy-py {getattr(tantivy, '__version__', '?')}", "documents": len(films),
        "build_seconds": round(build, 2), "queries": len(parsed), "with_hits": with_hits,
        "p50_ms": round(statistics.median(times), 3), "p99_ms": round(percentile(times, 0.99), 3),
    }))


if __name__ == "__main__":
    main()
