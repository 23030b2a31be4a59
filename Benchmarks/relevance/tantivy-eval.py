#!/usr/bin/env python3
"""The same relevance set against tantivy (BM25, en_stem), for comparison with `mediagw eval`.

    Benchmarks/relevance/tantivy-eval.py CATALOG.jsonl QUERIES.tsv [--json]

Run by Benchmarks/relevance/run.sh --peers from a throwaway venv (`pip install tantivy`); never a
project dependency. Each film is one document with `title`, `people` (directors and the first
ten cast members, as mediagw indexes) and `overview`, all with tantivy's English stemmer, and
its genres as raw terms; a query is its words (punctuation dropped) parsed over the three text
fields, so every word is optional and BM25 ranks; a `genre=` filter becomes a required term.
The figures are those of docs/formats/eval-queries.md, per kind, top 10.
"""
import json, math, re, sys, time
from collections import defaultdict

import tantivy


def keys(film):
    out = ["eval:" + film["id"]]
    if film.get("externalIDs", {}).get("imdb"):
        out.append("imdb:" + film["externalIDs"]["imdb"])
    return out


def main():
    catalog, queries = sys.argv[1], sys.argv[2]
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("keys", stored=True, tokenizer_name="raw")
    for field in ["title", "people", "overview"]:
        builder.add_text_field(field, tokenizer_name="en_stem")
    builder.add_text_field("genre", tokenizer_name="raw")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    started = time.time()
    with open(catalog, encoding="utf-8") as lines:
        for line in lines:
            film = json.loads(line)
            document = tantivy.Document()
            for key in keys(film):
                document.add_text("keys", key)
            document.add_text("title", film["title"])
            document.add_text("people", " ".join(film.get("directors", []) + film.get("cast", [])[:10]))
            document.add_text("overview", film.get("overview", ""))
            for genre in film.get("genres", []):
                document.add_text("genre", genre)
            writer.add_document(document)
    writer.commit()
    index.reload()
    built = time.time() - started
    searcher = index.searcher()
    sums = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])
    latencies = []
    for line in open(queries, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        kind, text, relevant = fields[1] or "query", fields[2], set(fields[3].split(","))
        filters = fields[4] if len(fields) > 4 else ""
        words = " ".join(re.findall(r"\w+", text))
        started = time.perf_counter()
        hits = []
        if words:
            query = index.parse_query(words, ["title", "people", "overview"])
            genres = [v for name, _, v in (f.partition("=") for f in filters.split("&")) if name == "genre"]
            if genres:
                required = tantivy.Query.term_query(schema, "genre", genres[0])
                query = tantivy.Query.boolean_query([(tantivy.Occur.Must, required), (tantivy.Occur.Must, query)])
            for _, address in searcher.search(query, 10).hits:
                hits.append(bool(set(searcher.doc(address)["keys"]) & relevant))
        latencies.append(time.perf_counter() - started)
        first = hits.index(True) if True in hits else None
        gain = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        for bucket in ["all", kind]:
            s = sums[bucket]
            s[0] += 1
            s[1] += 1 if hits[:1] == [True] else 0
            s[2] += 0 if first is None else 1
            s[3] += 0 if first is None else 1 / (first + 1)
            s[4] += gain / ideal
    latencies.sort()
    p50, p99 = latencies[(len(latencies) - 1) // 2] * 1000, latencies[max(0, math.ceil(len(latencies) * 0.99) - 1)] * 1000
    if "--json" in sys.argv:
        print(json.dumps({k: dict(zip(["queries", "hitAt1", "hitAt10", "mrrAt10", "ndcgAt10"],
                                      [v[0]] + [x / v[0] for x in v[1:]])) for k, v in sums.items()}))
        return
    print(f"tantivy {tantivy.__version__ if hasattr(tantivy, '__version__') else ''} BM25 en_stem: "
          f"index built in {built:.2f} s; latency per query p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print("mode      kind          queries  hit@1  hit@10  MRR@10  nDCG@10")
    for kind in ["all"] + sorted(k for k in sums if k != "all"):
        n, *s = sums[kind]
        print(f"{'tantivy':<10}{kind:<14}{n:>7}  " + "   ".join(f"{x / n:.3f}" for x in s))


if __name__ == "__main__":
    main()
