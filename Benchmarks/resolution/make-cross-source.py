#!/usr/bin/env python3
"""Two real film catalogues made independently, joined by IMDb id, for matching without ids.

    Benchmarks/resolution/make-cross-source.py --wikidata films.jsonl.zst --movielens DIR OUT

Writes OUT/wikidata.jsonl and OUT/movielens.jsonl (source records, docs/formats/source-record.md;
each keeps its IMDb id, which `mediagw-bench --resolve-pairs OUT` removes from all or some
records) and OUT/truth.tsv (source key, IMDb id: records with the same IMDb id are one film).

- Wikidata films (CC0): title, year, runtime, genres, directors, cast, languages, countries.
- MovieLens ml-latest-small (GroupLens research licence; README beside this script): the title as
  MovieLens writes it — `Matrix, The`, `Seven (a.k.a. Se7en)`, `Amelie (Fabuleux destin
  d'Amélie Poulain, Le)` — with the year it carries in brackets, and its genres. MovieLens has no
  people, so this pair of catalogues measures titles, years and genres, not names.
Not committed: MovieLens may be redistributed only under its own licence.
"""
import argparse, csv, json, os, re, subprocess

GENRES = {"Sci-Fi": "science-fiction", "Children": "kids", "Film-Noir": "crime"}
CANONICAL = set("action adventure animation biography comedy crime documentary drama family fantasy history horror "
                "kids music musical mystery news reality romance science-fiction sport talk thriller war western".split())


def genres(names):
    out = {GENRES.get(n, n.lower()) for n in names}
    return sorted(g for g in out if g in CANONICAL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wikidata", required=True)
    parser.add_argument("--movielens", required=True, help="directory with movies.csv and links.csv")
    parser.add_argument("out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    truth = []
    lines = subprocess.run(["zstd", "-dc", args.wikidata], capture_output=True, check=True).stdout.splitlines()
    with open(os.path.join(args.out, "wikidata.jsonl"), "w", encoding="utf-8") as out:
        for line in lines:
            film = json.loads(line)
            if not (film.get("title") and film.get("imdb_id")):
                continue
            record = {"id": "Q" + str(film["wikidata_row"]), "kind": "movie", "title": film["title"],
                      "genres": genres(film["genres"]), "directors": film["directors"], "cast": film["cast"],
                      "externalIDs": {"imdb": film["imdb_id"]}}
            if film.get("year"):
                record["year"] = film["year"]
            if film.get("runtime_minutes"):
                record["runtimeMinutes"] = film["runtime_minutes"]
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            truth.append(("wikidata:" + record["id"], film["imdb_id"]))
    links = {}
    with open(os.path.join(args.movielens, "links.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            links[row["movieId"]] = row
    with open(os.path.join(args.movielens, "movies.csv"), encoding="utf-8", newline="") as f, \
            open(os.path.join(args.out, "movielens.jsonl"), "w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            link = links.get(row["movieId"])
            match = re.match(r"^(.*?)\s*\((\d{4})\)\s*$", row["title"])
            if not link or not link["imdbId"]:
                continue
            imdb = "tt" + link["imdbId"].zfill(7)
            record = {"id": row["movieId"], "kind": "movie", "title": (match.group(1) if match else row["title"]),
                      "genres": genres(row["genres"].split("|")), "externalIDs": {"imdb": imdb}}
            if match:
                record["year"] = int(match.group(2))
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            truth.append(("movielens:" + record["id"], imdb))
    with open(os.path.join(args.out, "truth.tsv"), "w", encoding="utf-8") as out:
        out.write("# source key\tIMDb id (records with the same id are one film)\n")
        for key, imdb in truth:
            out.write(f"{key}\t{imdb}\n")
    imdb_by_source = {}
    for key, imdb in truth:
        imdb_by_source.setdefault(key.split(":")[0], set()).add(imdb)
    both = len(imdb_by_source.get("wikidata", set()) & imdb_by_source.get("movielens", set()))
    print(f"{args.out}: {len(truth)} records, {both} films in both catalogues")


if __name__ == "__main__":
    main()
