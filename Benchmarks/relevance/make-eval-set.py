#!/usr/bin/env python3
"""Build the relevance evaluation set: a real film catalog and known-item queries derived from
real text that this project did not write, split into a tuning and a check part.

    Benchmarks/relevance/make-eval-set.py --wikidata films.jsonl.zst --movielens DIR \
        --tmdb-overviews tmdb_5000_movies.csv --tmdb-keywords tmdb_5000_movies.csv [--plots movies.rda] OUT

Sources (where each was found, and its licence, in Benchmarks/relevance/README.md):
  Wikidata films (CC0)        title, year, runtime, genres, directors, cast, languages, countries
  MovieLens ml-latest-small   more films (title, year, genres) joined by IMDb id; user tags
  TMDb 5000 movies            overviews (the catalog's plot text), keywords and taglines
  Wikipedia plot summaries    descriptions of the same films by other authors (--plots: the qacr
                              R package's `movies` data set; reading .rda needs the PyPI package rdata)

Writes OUT/catalog.jsonl (source records, docs/formats/source-record.md), OUT/tune.tsv and
OUT/check.tsv (docs/formats/eval-queries.md). Nothing random is unseeded: the same inputs give
the same files. Query kinds:
  keywords   3–5 TMDb keywords of a film, none sharing a word with its title
  tags       2–5 MovieLens user tags of a film, likewise
  tagline    a film's TMDb tagline with its title words removed (at least 4 words left)
  title      a film's exact title (titles that name one film only)
  partial    part of a longer title: the part after a colon, or the title without its first word
  misspelled a title with one letter deleted, doubled, swapped or replaced (never the first)
  person     a director's name; every film of theirs in the catalog is relevant
  title-year a title that names several films, with the year of one of them
  filtered   a keywords or tags query with the film's genre as a filter
  plot       the opening of a film's Wikipedia plot summary told without names: the first
             sentence with 5+ content words once capitalized words that are names are dropped
             (and the title's words), cut at a clause end after 8 words, at most 18; the catalog
             holds TMDb's overview, so query and document are two authors' accounts of one story
"""
import argparse, csv, hashlib, importlib.util, json, os, random, re, subprocess, sys, unicodedata
from collections import defaultdict

SEED = "mediagw-eval-1"
SOURCE = "eval"  # the source name run.sh imports the catalog as
STOPWORDS = set("a an and are as at be by for from has he her his in is it its of on or she that the their "
                "they this to was were which who with".split())
# How many queries of each kind, before the split.
COUNTS = {"keywords": 220, "tags": 160, "tagline": 120, "title": 120, "partial": 80, "misspelled": 120,
          "person": 100, "title-year": 60, "filtered": 80, "plot": 240}
ML_GENRES = {"Children": "kids", "Sci-Fi": "science-fiction", "Film-Noir": "crime"}

spec = importlib.util.spec_from_file_location(
    "sample", os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "make-sample-catalog.py"))
sample = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sample)
CANONICAL_GENRES = set("action adventure animation biography comedy crime documentary drama family fantasy history "
                       "horror kids music musical mystery news reality romance science-fiction sport talk thriller "
                       "war western".split())


def fold(text):
    """Lower case without accents, words separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text))


def content_words(text):
    return {w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1}


def genre(name):
    g = ML_GENRES.get(name) or sample.GENRES.get(name) or name.lower()
    return g if g in CANONICAL_GENRES else None


def read_csv(path, **options):
    csv.field_size_limit(10**9)
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return list(csv.DictReader(f, **options))


def tmdb_rows(path):
    """The TMDb CSV, comma- or semicolon-separated (both circulate)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline()
    return read_csv(path, delimiter=";" if header.count(";") > header.count(",") else ",")


def catalog(args):
    """Films by key, merged from Wikidata and MovieLens, with TMDb overviews where matched."""
    films = {}
    lines = subprocess.run(["zstd", "-dc", args.wikidata], capture_output=True, check=True).stdout.splitlines()
    for line in lines:
        f = json.loads(line)
        if not (f.get("title") and f.get("year") and f.get("imdb_id")):
            continue
        films[f["imdb_id"]] = {
            "id": f["imdb_id"], "kind": "movie", "title": f["title"], "year": f["year"],
            "genres": sorted({g for g in map(genre, f["genres"]) if g}), "directors": f["directors"],
            "cast": f["cast"], "languages": [sample.LANGUAGES[l] for l in f["languages"] if l in sample.LANGUAGES],
            "countries": sorted({sample.COUNTRIES[c] for c in f["countries"] if c in sample.COUNTRIES}),
            "externalIDs": {"imdb": f["imdb_id"]}, **({"runtimeMinutes": f["runtime_minutes"]}
                                                      if f.get("runtime_minutes") else {})}
    links = {row["movieId"]: row for row in read_csv(os.path.join(args.movielens, "links.csv"))}
    movielens = {}
    for row in read_csv(os.path.join(args.movielens, "movies.csv")):
        match = re.match(r"^(.*?)\s*\((\d{4})\)\s*$", row["title"])
        link = links.get(row["movieId"])
        if not match or not link or not link["imdbId"]:
            continue
        imdb = "tt" + link["imdbId"].zfill(7)
        title = match.group(1)
        # MovieLens writes "Matrix, The" and "Seven (a.k.a. Se7en)".
        title = re.sub(r"\s*\(a\.k\.a\..*?\)", "", title)
        article = re.match(r"^(.*), (The|A|An|Les|La|Le|Il|Das|Der|Die|El)$", title)
        if article:
            title = article.group(2) + " " + article.group(1)
        movielens[row["movieId"]] = imdb
        if imdb not in films:
            films[imdb] = {"id": imdb, "kind": "movie", "title": title, "year": int(match.group(2)),
                           "genres": sorted({g for g in map(genre, row["genres"].split("|")) if g}),
                           "externalIDs": {"imdb": imdb}}
    by_title_year = defaultdict(list)
    for film in films.values():
        by_title_year[(fold(film["title"]), film["year"])].append(film["id"])
    tmdb = {}
    for row in tmdb_rows(args.tmdb_overviews):
        year = int(row["release_date"][:4]) if row.get("release_date", "")[:4].isdigit() else None
        if not row.get("title") or not year:
            continue
        ids = by_title_year.get((fold(row["title"]), year), [])
        if len(ids) > 1:
            continue
        key = ids[0] if ids else "tmdb:" + fold(row["title"]).replace(" ", "-") + "-" + str(year)
        if key not in films:
            films[key] = {"id": key, "kind": "movie", "title": row["title"], "year": year, "genres": []}
        if row.get("overview"):
            films[key]["overview"] = row["overview"].strip()
        tmdb[key] = row
    keywords = {}
    if args.tmdb_keywords:
        for row in tmdb_rows(args.tmdb_keywords):
            year = int(row["release_date"][:4]) if row.get("release_date", "")[:4].isdigit() else None
            key = next(iter(by_title_year.get((fold(row.get("title", "")), year), [])), None)
            key = key or ("tmdb:" + fold(row.get("title", "")).replace(" ", "-") + "-" + str(year))
            if key in films and row.get("keywords"):
                keywords[key] = [k["name"] for k in json.loads(row["keywords"])]
    tags = defaultdict(list)
    for row in sorted(read_csv(os.path.join(args.movielens, "tags.csv")), key=lambda r: int(r["timestamp"])):
        imdb = movielens.get(row["movieId"])
        tag = row["tag"].strip()
        if imdb in films and tag and fold(tag) not in map(fold, tags[imdb]):
            tags[imdb].append(tag)
    return films, tmdb, keywords, tags


def drop_title_words(words, film):
    title = content_words(film["title"]) | {str(film["year"])}
    return [w for w in words if not (content_words(w) & title)]


def misspell(title, rng):
    words = title.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return None
    i = rng.choice(candidates)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    edit = rng.choice(["delete", "double", "swap", "replace"])
    if edit == "delete":
        w = w[:p] + w[p + 1:]
    elif edit == "double":
        w = w[:p] + w[p] + w[p:]
    elif edit == "swap":
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    else:
        w = w[:p] + rng.choice([c for c in "aeioustnrl" if c != w[p].lower()]) + w[p + 1:]
    if w.lower() == words[i].lower():
        return None
    words[i] = w
    return " ".join(words)


# A capitalized word right after one of these starts a place ("posted in Kenya"), which a user
# describing the story would know; other capitalized words are characters' names, which not.
PLACE_WORDS = set("in to from at near across into through around outside inside".split())


def plot_description(plot, film, lowercase):
    """A user's description of a story from its Wikipedia plot summary (the `plot` kind), or None.

    `lowercase` counts how often each word is written in lower case across all the plots: a
    capitalized word that almost never is (fewer than 3 times) is a name and is dropped."""
    plot = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", plot)
    title = content_words(film["title"])
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", plot.strip()):
        tokens, place = [], False
        for token in sentence.split():
            bare = re.sub(r"^\W+|\W+$", "", token)
            if not bare:
                continue
            named = bare[0].isupper() and lowercase[bare.lower()] < 3
            if not (named and not place):
                place = bare.lower() in PLACE_WORDS or (place and bare[0].isupper())
                if not (content_words(bare) & title):
                    tokens.append(bare.lower())
            else:
                place = False
            if token[-1] in ",;:":
                tokens.append(",")
        words = []
        for token in tokens:
            if token == ",":
                if len(words) >= 8:
                    break
                continue
            words.append(token)
            if len(words) >= 18:
                break
        if len(content_words(" ".join(words))) >= 5:
            return " ".join(words)
    return None


def queries(films, tmdb, keywords, tags, plots=()):
    rng = random.Random(SEED)
    out = []
    ids = sorted(films)
    titles = defaultdict(list)
    for key in ids:
        titles[fold(films[key]["title"])].append(key)
    # An IMDb id where the film has one, else its record key as `mediagw import --source eval` makes it.
    relevant = lambda key: "imdb:" + key if key.startswith("tt") else SOURCE + ":" + key

    made = defaultdict(int)  # queries so far, by kind

    def add(kind, text, keys, filters=""):
        made[kind] += 1
        out.append((kind, " ".join(text.split()), ",".join(relevant(k) for k in keys), filters))

    def pick(pool, kind, make):
        pool = list(pool)
        rng.shuffle(pool)
        for key in pool:
            if made[kind] >= COUNTS[kind]:
                break
            query = make(key)
            if query:
                add(kind, *query)

    def keyword_query(key):
        words = drop_title_words(keywords.get(key, []), films[key])
        return (" ".join(words[:5]), [key]) if len(words) >= 3 else None

    def tag_query(key):
        words = drop_title_words(tags.get(key, []), films[key])
        return (" ".join(words[:5]), [key]) if len(words) >= 2 else None

    def tagline_query(key):
        words = [w for w in (tmdb[key].get("tagline") or "").split()
                 if not (content_words(w) & content_words(films[key]["title"]))]
        return (" ".join(words), [key]) if len(content_words(" ".join(words))) >= 4 else None

    unique = [k for k in ids if len(titles[fold(films[k]["title"])]) == 1]
    pick(sorted(keywords), "keywords", keyword_query)
    pick(sorted(tags), "tags", tag_query)
    pick(sorted(tmdb), "tagline", tagline_query)
    pick(unique, "title", lambda k: (films[k]["title"], [k]))

    def partial(key):
        title = films[key]["title"]
        if ":" in title and len(title.split(":", 1)[1].split()) >= 2:
            text = title.split(":", 1)[1]
        elif len(title.split()) >= 3:
            text = " ".join(title.split()[1:])
        else:
            return None
        return (text, [key]) if len(content_words(text)) >= 1 else None

    pick(unique, "partial", partial)
    pick(unique, "misspelled", lambda k: (lambda t: (t, [k]) if t else None)(misspell(films[k]["title"], rng)))
    by_director = defaultdict(list)
    for key in ids:
        for name in films[key].get("directors", []):
            by_director[name].append(key)
    directors = [d for d, keys in sorted(by_director.items()) if 2 <= len(keys) <= 12]
    rng.shuffle(directors)
    for name in directors[:COUNTS["person"]]:
        add("person", name, sorted(by_director[name]))
    shared = [k for k in ids if len(titles[fold(films[k]["title"])]) > 1
              and len({films[o]["year"] for o in titles[fold(films[k]["title"])]}) == len(titles[fold(films[k]["title"])])]
    pick(shared, "title-year", lambda k: (f"{films[k]['title']} {films[k]['year']}", [k]))

    def filtered(key):
        made = keyword_query(key) or tag_query(key)
        if not made or not films[key].get("genres"):
            return None
        return (*made, "genre=" + rng.choice(films[key]["genres"]))

    pick(sorted(set(keywords) | set(tags)), "filtered", filtered)

    # Wikipedia's account of a film whose catalog text is TMDb's: one film of that title and
    # year (or a year off, release against festival year) with an overview.
    with_overview = defaultdict(list)
    for key in ids:
        if films[key].get("overview"):
            with_overview[(fold(films[key]["title"]), films[key]["year"])].append(key)
    lowercase = defaultdict(int)
    for row in plots:
        for word in re.findall(r"\b[a-z][a-z'-]*\b", row["plot"]):
            lowercase[word] += 1
    told = {}
    for row in plots:
        keys = {k for d in (0, -1, 1) for k in with_overview.get((fold(row["title"]), row["year"] + d), [])}
        if len(keys) == 1:
            told.setdefault(keys.pop(), row["plot"])
    pick(sorted(told), "plot", lambda k: (lambda t: (t, [k]) if t else None)(
        plot_description(told[k], films[k], lowercase)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wikidata", required=True)
    parser.add_argument("--movielens", required=True, help="directory with movies.csv, links.csv, tags.csv")
    parser.add_argument("--tmdb-overviews", required=True)
    parser.add_argument("--tmdb-keywords")
    parser.add_argument("--plots", help="Wikipedia plot summaries (movies.rda of the qacr R package, or JSONL)")
    parser.add_argument("out")
    args = parser.parse_args()
    films, tmdb, keywords, tags = catalog(args)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "catalog.jsonl"), "w", encoding="utf-8") as f:
        for key in sorted(films):
            f.write(json.dumps(films[key], ensure_ascii=False, sort_keys=True) + "\n")
    made = queries(films, tmdb, keywords, tags, sample.plot_rows(args.plots) if args.plots else ())
    parts = {"tune": [], "check": []}
    for number, (kind, text, relevant, filters) in enumerate(made, 1):
        qid = f"q{number:04d}"
        part = "tune" if hashlib.sha256((SEED + qid).encode()).digest()[0] % 2 == 0 else "check"
        parts[part].append("\t".join([qid, kind, text, relevant, filters]))
    for part, rows in parts.items():
        with open(os.path.join(args.out, part + ".tsv"), "w", encoding="utf-8") as f:
            f.write(f"# mediagw relevance queries: the {part} part of {SEED} "
                    "(Benchmarks/relevance/make-eval-set.py)\n")
            f.write("# id\tkind\tquery\trelevant\tfilters\n")
            f.write("\n".join(rows) + "\n")
    with_plot = sum(1 for f in films.values() if f.get("overview"))
    kinds = defaultdict(int)
    for q in made:
        kinds[q[0]] += 1
    print(f"{args.out}: {len(films)} titles ({with_plot} with an overview), {len(made)} queries "
          f"({len(parts['tune'])} tune, {len(parts['check'])} check): "
          + ", ".join(f"{k} {n}" for k, n in kinds.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
