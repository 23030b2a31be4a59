#!/usr/bin/env python3
"""The side-by-side benchmark's queries, from the corpus make-corpus.py wrote.

    Benchmarks/peers/make-queries.py corpus.jsonl queries.txt

1,005 lines in Benchmarks/queries.txt's format (one query a line, no filters): 505
sentence-length descriptions, each a film's overview with the film's title words removed (the
way a person describes a film without naming it), and 500 title queries of one or two words,
consecutive words of a film's title. Films are drawn with seed 21 from the whole corpus.
"""
import json, random, re, sys


def words(text):
    return re.findall(r"[\w']+", text.lower())


def main():
    corpus, output = sys.argv[1], sys.argv[2]
    films = [json.loads(line) for line in open(corpus, encoding="utf-8") if line.strip()]
    random_source = random.Random(21)
    queries = []
    while len(queries) < 505:
        film = random_source.choice(films)
        title = set(words(film["title"]))
        described = [word for word in words(film.get("overview") or "") if word not in title]
        if len(described) >= 6:
            queries.append(" ".join(described))
    while len(queries) < 1005:
        title = words(random_source.choice(films)["title"])
        if not title:
            continue
        length = min(len(title), random_source.choice([1, 2]))
        start = random_source.randrange(len(title) - length + 1)
        queries.append(" ".join(title[start:start + length]))
    with open(output, "w", encoding="utf-8") as out:
        out.write("\n".join(queries) + "\n")


if __name__ == "__main__":
    main()
