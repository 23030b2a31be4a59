#!/usr/bin/env python3
"""A catalog of N films for the side-by-side benchmark: the bundled 3,000 real films (Wikidata,
CC0: samples/catalog.jsonl.zst), each replicated with variations until there are N.

    Benchmarks/peers/make-corpus.py samples/catalog.jsonl.zst 100000 corpus.jsonl

The first copy of each film is the film as it is. Every further copy (ids `<id>-v<k>`) is a
sequel, remake or namesake as real catalogues hold them: the title gains a part number, a
subtitle word or an article; the year moves; the cast is reshuffled and partly taken from other
films; the overview is rewritten from the copy's own facts in the sample's sentence form. Seeded
(seed 20): the same N always gives the same file. Records are in `mediagw import`'s format.
"""
import json, random, subprocess, sys

ROMAN = ["II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
WORDS = ["Returns", "Reloaded", "Origins", "Legacy", "Revenge", "Forever", "Rising", "Redemption",
         "Homecoming", "Unleashed", "Chronicles", "Awakening", "Reckoning", "Beginnings", "Story"]


def load(path):
    text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def overview(film):
    genres = "-".join(film.get("genres") or []) or "feature"
    country = {"US": "American", "GB": "British", "FR": "French", "DE": "German", "IT": "Italian",
               "JP": "Japanese", "IN": "Indian", "ES": "Spanish"}.get((film.get("countries") or ["US"])[0], "")
    who = ", ".join(film.get("directors") or []) or "an unknown director"
    cast = ", ".join((film.get("cast") or [])[:3])
    text = f"A {film.get('year', '')} {country} {genres} film directed by {who}"
    return " ".join((text + (f", starring {cast}." if cast else ".")).split())


def variant(film, copy, random_source, pool):
    film = dict(film)
    film["id"] = f"{film['id']}-v{copy}"
    title = film["title"]
    form = random_source.randrange(4)
    if form == 0:
        title = f"{title} {ROMAN[(copy - 1) % len(ROMAN)]}"
    elif form == 1:
        title = f"{title}: {random_source.choice(WORDS)}"
    elif form == 2:
        title = f"{random_source.choice(WORDS)} of {title}" if not title.startswith("The ") else title[4:]
    else:
        title = f"The {title}" if not title.startswith("The ") else f"{title} {copy + 1}"
    film["title"] = title
    if film.get("year"):
        film["year"] = min(2025, max(1900, film["year"] + random_source.randint(-25, 25)))
        film["releaseDate"] = f"{film['year']}-01-01"
    cast = list(film.get("cast") or [])
    random_source.shuffle(cast)
    other = random_source.choice(pool)
    film["cast"] = cast[: max(1, len(cast) // 2)] + list(other.get("cast") or [])[: len(cast) // 2]
    if random_source.random() < 0.3:
        film["directors"] = list(other.get("directors") or film.get("directors") or [])
    film["overview"] = overview(film)
    film.pop("externalIDs", None)
    return film


def main():
    source, count, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    films = load(source)
    random_source = random.Random(20)
    with open(output, "w", encoding="utf-8") as out:
        for index in range(count):
            film, copy = films[index % len(films)], index // len(films)
            record = film if copy == 0 else variant(film, copy, random_source, films)
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
