#!/usr/bin/env python3
"""Two real film catalogues made independently, joined by IMDb id, for matching without ids.

    Benchmarks/resolution/make-cross-source.py --wikidata films.jsonl.zst --movielens DIR OUT
    Benchmarks/resolution/make-cross-source.py --wikidata films.jsonl.zst --imdb5000 movie_metadata.csv OUT

Writes OUT/wikidata.jsonl and OUT/movielens.jsonl or OUT/imdb5000.jsonl (source records,
docs/formats/source-record.md; each keeps its IMDb id, which `mediagw-bench --resolve-pairs OUT`
removes from all or some records) and OUT/truth.tsv (source key, IMDb id: records with the same
IMDb id are one film).

- Wikidata films (CC0): title, year, runtime, genres, directors, cast, languages, countries.
- MovieLens ml-latest-small (GroupLens research licence; README beside this script): the title as
  MovieLens writes it — `Matrix, The`, `Seven (a.k.a. Se7en)`, `Amelie (Fabuleux destin
  d'Amélie Poulain, Le)` — with the year it carries in brackets, and its genres. MovieLens has no
  people, so this pair of catalogues measures titles, years and genres, not names.
- The "IMDB 5000" data set (`movie_metadata.csv`, 5,043 films scraped from IMDb pages in 2016):
  the title, year, runtime, director and three leading actors as IMDb writes them — `Yimou
  Zhang`, `J.J. Abrams`, `Andrey Konchalovskiy`, `Kirk De Micco` where Wikidata writes `Zhang
  Yimou`, `J. J. Abrams`, `Andrei Konchalovsky`, `Kirk DeMicco` — so this pair measures names.
Not committed: MovieLens may be redistributed only under its own licence, and the IMDB 5000
set carries IMDb's data, whose terms do not allow redistribution.
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
    parser.add_argument("--movielens", help="directory with movies.csv and links.csv")
    parser.add_argument("--imdb5000", help="movie_metadata.csv (comma- or semicolon-separated)")
    parser.add_argument("out")
    args = parser.parse_args()
    if not (args.movielens or args.imdb5000):
        parser.error("give --movielens or --imdb5000 (or both)")
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
    if args.movielens:
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
    if args.imdb5000:
        truth += write_imdb5000(args.imdb5000, os.path.join(args.out, "imdb5000.jsonl"))
    with open(os.path.join(args.out, "truth.tsv"), "w", encoding="utf-8") as out:
        out.write("# source key\tIMDb id (records with the same id are one film)\n")
        for key, imdb in truth:
            out.write(f"{key}\t{imdb}\n")
    imdb_by_source = {}
    for key, imdb in truth:
        imdb_by_source.setdefault(key.split(":")[0], set()).add(imdb)
    for other in ("movielens", "imdb5000"):
        if other in imdb_by_source:
            both = len(imdb_by_source["wikidata"] & imdb_by_source[other])
            print(f"{args.out}: {len(truth)} records, {both} films in both wikidata and {other}")


def write_imdb5000(path, out_path):
    """One record per film; the row's IMDb link is the truth. The set lists about a hundred films
    twice (a scraping artefact); a source lists a title once, so only the first row is kept."""
    truth = []
    seen = set()
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline()
        f.seek(0)
        rows = csv.DictReader(f, delimiter=";" if header.count(";") > header.count(",") else ",")
        with open(out_path, "w", encoding="utf-8") as out:
            for number, row in enumerate(rows, start=1):
                link = re.search(r"title/(tt\d+)", row.get("movie_imdb_link") or "")
                title = (row.get("movie_title") or "").replace("\xa0", " ").strip()
                if not (link and title) or link.group(1) in seen:
                    continue
                seen.add(link.group(1))
                record = {"id": str(number), "kind": "movie", "title": title,
                          "genres": genres((row.get("genres") or "").split("|")),
                          "externalIDs": {"imdb": link.group(1)}}
                if (row.get("title_year") or "").isdigit():
                    record["year"] = int(row["title_year"])
                if (row.get("duration") or "").isdigit() and int(row["duration"]) > 0:
                    record["runtimeMinutes"] = int(row["duration"])
                if row.get("director_name"):
                    record["directors"] = [row["director_name"].strip()]
                cast = [row.get(f"actor_{n}_name", "").strip() for n in (1, 2, 3)]
                if any(cast):
                    record["cast"] = [name for name in cast if name]
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                truth.append(("imdb5000:" + record["id"], link.group(1)))
    return truth


if __name__ == "__main__":
    main()
