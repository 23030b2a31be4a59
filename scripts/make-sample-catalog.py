#!/usr/bin/env python3
"""Derive the bundled sample catalog from Wikidata films (CC0) and Wikipedia plot text (CC BY-SA 4.0).

Run by a developer, never at build, run or test time; its output is committed:
    zstdcat ../shared/data/wikidata-films/films.jsonl.zst | scripts/make-sample-catalog.py samples --plots movies.rda

Sources:
  - Wikidata films (CC0-1.0, Wikidata contributors): title, year, people, genres, countries, IMDb ids.
  - Wikipedia plot summaries of 3,670 British films (CC BY-SA 4.0, Wikipedia contributors), as
    collected in the Kaggle "Wikipedia Movie Plots" dataset and redistributed in the `movies`
    data set of the qacr R package (github.com/Rkabacoff/qacr, data/movies.rda). Reading the .rda
    needs the PyPI package `rdata` (python3 -m venv /tmp/v && /tmp/v/bin/pip install rdata); a
    JSONL file of the same rows (year, title, director, cast, genre, url, plot) works too.
  - samples/overviews.tsv: plot overviews written for this project for 61 well-known films (CC0).

Which films (3,000): the 61 with written overviews; every Wikidata film that a Wikipedia plot
matches (same normalized title, year equal, or one apart with the same director); Wikipedia
films that Wikidata lacks (title, year, director, cast in billing order, genre and plot from the
article); and the films of Wikidata with the longest cast lists, which are mostly the well-known
ones. About four in five carry real plot text. A film's overview is the start of its plot
summary: the first paragraph, cut at a sentence end near 320 characters (longer text
makes the first build's embedding slower: 600 characters took 149 s, 320 take 89 s, the
one-line overviews before took 66 s on the same machine), citation marks removed.
Cast: the article's names first (billing order), then Wikidata's other names (alphabetical there).

Writes, zstd-compressed:
  samples/catalog.jsonl.zst        source "wikidata": title metadata, no offers (docs/formats/source-record.md)
  samples/offers.jsonl.zst         source "offers": the same films with plausible offers
  samples/plot-articles.tsv.zst    title, year and Wikipedia article of every plot used (attribution)
Resolution merges catalog and offers into one canonical title per film (by IMDb id, or by title,
year and director where a film has none). Offers are invented but plausible: deterministic per
film, real services per country, real price points.
"""
import hashlib, json, random, re, subprocess, sys, unicodedata

COUNT = 3000
WELL_KNOWN = 500
CAST_LIMIT = 200
OVERVIEW_CHARS = 320
COUNTRIES = {"United States": "US", "United Kingdom": "GB", "France": "FR", "Germany": "DE", "Canada": "CA",
             "Italy": "IT", "Australia": "AU", "Japan": "JP", "Spain": "ES", "India": "IN", "Belgium": "BE",
             "Mexico": "MX", "Hong Kong": "HK", "Sweden": "SE", "People's Republic of China": "CN",
             "Denmark": "DK", "Ireland": "IE", "Netherlands": "NL", "South Korea": "KR", "Brazil": "BR",
             "Norway": "NO", "Switzerland": "CH", "Austria": "AT", "New Zealand": "NZ", "Argentina": "AR",
             "Soviet Union": "SU", "Russia": "RU", "Poland": "PL", "Finland": "FI", "Czech Republic": "CZ",
             "Israel": "IL", "Iran": "IR", "Turkey": "TR", "South Africa": "ZA", "Taiwan": "TW",
             "West Germany": "DE", "Hungary": "HU", "Greece": "GR", "Portugal": "PT", "Luxembourg": "LU"}
LANGUAGES = {"English": "en", "French": "fr", "Spanish": "es", "German": "de", "Italian": "it", "Japanese": "ja",
             "Hindi": "hi", "Russian": "ru", "Arabic": "ar", "Hebrew": "he", "Mandarin Chinese": "zh",
             "Cantonese": "yue", "Korean": "ko", "Swedish": "sv", "Portuguese": "pt", "Danish": "da",
             "Dutch": "nl", "Polish": "pl", "Norwegian": "no", "Persian": "fa", "Turkish": "tr", "Greek": "el"}
GENRES = {"Sci-Fi": "science-fiction"}
DEMONYM = {"US": "American", "GB": "British", "FR": "French", "DE": "German", "CA": "Canadian", "IT": "Italian",
           "AU": "Australian", "JP": "Japanese", "ES": "Spanish", "IN": "Indian", "MX": "Mexican", "HK": "Hong Kong",
           "SE": "Swedish", "CN": "Chinese", "KR": "South Korean", "DK": "Danish", "IE": "Irish", "BE": "Belgian"}
# Services by country, with monetization; rent/buy stores priced in local currency.
SUBSCRIPTION = {"US": ["netflix", "max", "hulu", "prime-video", "disney-plus", "paramount-plus", "peacock", "mubi"],
                "GB": ["netflix", "prime-video", "disney-plus", "mubi", "bbc-iplayer"],
                "DE": ["netflix", "prime-video", "disney-plus", "mubi"],
                "FR": ["netflix", "prime-video", "canal-plus", "mubi"],
                "CA": ["netflix", "prime-video", "disney-plus", "crunchyroll"]}
FREE = {"US": [("tubi", "ads"), ("pluto-tv", "ads"), ("kanopy", "free")], "GB": [("pluto-tv", "ads")],
        "DE": [("pluto-tv", "ads")], "FR": [], "CA": [("tubi", "ads")]}
STORES = ["apple-tv-store", "google-play", "prime-video"]
CURRENCY = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "CA": "CAD"}
LINKS = {"netflix": "https://www.netflix.com/title/{n}", "max": "https://play.max.com/movie/{h}",
         "hulu": "https://www.hulu.com/movie/{h}", "prime-video": "https://www.primevideo.com/detail/{h}",
         "disney-plus": "https://www.disneyplus.com/movies/{h}", "paramount-plus": "https://www.paramountplus.com/movies/{h}",
         "peacock": "https://www.peacocktv.com/watch/asset/{h}", "mubi": "https://mubi.com/films/{h}",
         "bbc-iplayer": "https://www.bbc.co.uk/iplayer/episode/{h}", "canal-plus": "https://www.canalplus.com/cinema/{h}",
         "crunchyroll": "https://www.crunchyroll.com/watch/{h}", "tubi": "https://tubitv.com/movies/{n}",
         "pluto-tv": "https://pluto.tv/on-demand/movies/{h}", "kanopy": "https://www.kanopy.com/product/{n}",
         "apple-tv-store": "https://tv.apple.com/movie/umc.cmc.{h}", "google-play": "https://play.google.com/store/movies/details?id={h}"}


def overview(film):
    parts = [str(film["year"])] if film.get("year") else []
    nationality = [DEMONYM[c] for c in (COUNTRIES.get(n) for n in film["countries"][:2]) if c in DEMONYM]
    genres = [g.lower() for g in film["genres"][:2]]
    text = "A " + " ".join(parts + nationality + (["-".join(genres)] if genres else [])) + " film"
    if film["directors"]:
        text += " directed by " + " and ".join(film["directors"][:2])
    if film["cast"]:
        text += ", starring " + ", ".join(film["cast"][:3])
    return text + "."


def offers(key, rng):
    """Plausible offers for one film, deterministic per key (its IMDb id, or its record id)."""
    result = []
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    number = int(tag[:7], 16) % 90000000 + 10000000
    for country in ["US", "GB", "DE", "FR", "CA"]:
        if rng.random() < 0.35:
            continue
        link = lambda s: LINKS[s].format(n=number, h=tag)
        for service in rng.sample(SUBSCRIPTION[country], k=rng.choice([0, 1, 1, 2])):
            offer = {"country": country, "service": service, "monetization": "subscription",
                     "quality": rng.choice(["hd", "hd", "uhd"]), "webURL": link(service)}
            if rng.random() < 0.15:
                offer["expiresOn"] = f"2026-12-{rng.randint(1, 28):02d}"
            result.append(offer)
        for service, monetization in FREE[country]:
            if rng.random() < 0.12:
                result.append({"country": country, "service": service, "monetization": monetization,
                               "quality": "sd", "webURL": link(service)})
        if rng.random() < 0.6:
            store = rng.choice(STORES)
            rent = rng.choice(["2.99", "3.99", "4.99", "5.99"])
            buy = rng.choice(["7.99", "9.99", "12.99", "14.99", "19.99"])
            for monetization, amount in [("rent", rent), ("buy", buy)]:
                result.append({"country": country, "service": store, "monetization": monetization,
                               "price": {"amount": amount, "currency": CURRENCY[country]},
                               "quality": rng.choice(["hd", "uhd"]), "webURL": link(store)})
    return result


PLOT_GENRES = [("sci", "science-fiction"), ("science fiction", "science-fiction"), ("comedy", "comedy"),
               ("drama", "drama"), ("crime", "crime"), ("thriller", "thriller"), ("suspense", "thriller"),
               ("spy", "thriller"), ("espionage", "thriller"), ("horror", "horror"), ("adventure", "adventure"),
               ("musical", "musical"), ("war", "war"), ("pow", "war"), ("romance", "romance"),
               ("romantic", "romance"), ("mystery", "mystery"), ("detective", "mystery"), ("action", "action"),
               ("biopic", "biography"), ("biograph", "biography"), ("fantasy", "fantasy"), ("histor", "history"),
               ("family", "family"), ("sport", "sport"), ("western", "western"), ("animat", "animation"),
               ("documentary", "documentary"), ("mockumentary", "comedy"), ("music", "music")]


def plot_overviews(path):
    """imdb id -> plot overview, from the hand-written samples/overviews.tsv."""
    overviews = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and not line.startswith("#"):
                imdb_id, text = line.rstrip("\n").split("\t", 1)
                overviews[imdb_id] = text
    return overviews


def plot_rows(path):
    """Rows of the Wikipedia plot data set: dicts with year, title, director, cast, genre, url, plot."""
    if path.endswith(".rda"):
        try:
            import rdata
        except ImportError:
            sys.exit("reading .rda needs the PyPI package rdata (pip install rdata in a venv)")
        frame = rdata.conversion.convert(rdata.parser.parse_file(path))["movies"]
        rows = frame.to_dict("records")
    else:
        with open(path, encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
    clean = []
    for row in rows:
        row = {k: (None if v != v else v) for k, v in row.items()}  # NaN -> None
        if row.get("title") and row.get("year") and row.get("plot"):
            row["year"] = int(row["year"])
            clean.append(row)
    return clean


def folded(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text.replace("&", " and ")).strip()


def names(text):
    """People named in a plot row's director or cast field, in the article's order."""
    if not text or folded(text) in ("", "unknown"):
        return []
    result = []
    for part in re.split(r",|;| and | & |\n", re.sub(r"\([^)]*\)", "", text)):
        if ":" in part:  # "Director: X", "Cast: Y": the field's own labels
            label, part = part.split(":", 1)
            if folded(label) not in ("cast", "starring", "stars"):
                continue
        part = part.strip(" .")
        if part and folded(part) not in ("unknown", "various", "") and part not in result:
            result.append(part)
    return result


def plot_overview(plot):
    """The start of a plot summary: first paragraph(s), cut at a sentence end near OVERVIEW_CHARS."""
    plot = re.sub(r"\[(\d+|[a-z ]+needed|note \d+)\]", "", plot.replace("\r", ""))
    text = ""
    for paragraph in (p.strip() for p in plot.split("\n")):
        if paragraph:
            text = (text + " " + paragraph).strip()
            if len(text) >= OVERVIEW_CHARS // 2:
                break
    if len(text) <= OVERVIEW_CHARS:
        return re.sub(r"\s+", " ", text)
    ends = [m.end() for m in re.finditer(r"[.!?][\"\u201d')]?\s", text[: OVERVIEW_CHARS + 1])]
    cut = ends[-1] if ends else text.rfind(" ", 0, OVERVIEW_CHARS)
    return re.sub(r"\s+", " ", text[:cut].strip() if ends else text[:cut].rstrip(" ,;:") + "…")


def plot_genres(text):
    genres = set()
    for part in re.split(r",|/|;", (text or "").lower()):
        for word, genre in PLOT_GENRES:
            if word in part:
                genres.add(genre)
                break
    return sorted(genres)


def surname(name):
    words = folded(name).split()
    return words[-1] if words else ""


def match_plots(films, rows):
    """Wikidata film (by imdb id) -> its plot row; and the rows no Wikidata film matched."""
    by_key = {}
    for film in films:
        by_key.setdefault((folded(film["title"]), film["year"]), []).append(film)
    matched, unmatched, seen = {}, [], set()
    for row in sorted(rows, key=lambda r: (r["year"], r["title"], r.get("url") or "")):
        key = folded(row["title"])
        if (key, row["year"]) in seen or row.get("url") in seen:
            continue  # one article listed twice (under two years), or one title twice in a year
        seen.update([(key, row["year"]), row.get("url")])
        directors = {surname(d) for d in names(row.get("director"))}
        film = None
        for year in (row["year"], row["year"] - 1, row["year"] + 1):
            for candidate in by_key.get((key, year), []):
                same_director = directors & {surname(d) for d in candidate["directors"]}
                if candidate["imdb_id"] not in matched and (year == row["year"] or same_director):
                    film = candidate
                    break
            if film:
                break
        if film:
            matched[film["imdb_id"]] = row
        else:
            unmatched.append(row)
    return matched, unmatched


def billing_order(leads, cast):
    """The article's names first (in Wikidata's spelling where it has the person), then the rest."""
    known = {folded(n): n for n in cast}
    ordered = [known.get(folded(n), n) for n in leads] + cast
    return list(dict.fromkeys(ordered))[:CAST_LIMIT]


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def wikidata_record(film, overview_text, cast):
    record = {"id": "Q" + str(film["wikidata_row"]), "kind": "movie", "title": film["title"],
              "year": film["year"], "overview": overview_text,
              "genres": sorted({GENRES.get(g, g.lower()) for g in film["genres"]}),
              "directors": film["directors"], "cast": cast,
              "languages": [LANGUAGES[l] for l in film["languages"] if l in LANGUAGES],
              "countries": sorted({COUNTRIES[c] for c in film["countries"] if c in COUNTRIES}),
              "externalIDs": {"imdb": film["imdb_id"]}}
    if film.get("runtime_minutes"):
        record["runtimeMinutes"] = film["runtime_minutes"]
    if film.get("released"):
        record["releaseDate"] = film["released"]
    return record


def article_record(row):
    slug = (row.get("url") or "").rsplit("/wiki/", 1)[-1] or digest(row["title"])[:16]
    return {"id": "wp:" + slug, "kind": "movie", "title": row["title"], "year": row["year"],
            "overview": plot_overview(row["plot"]), "genres": plot_genres(row.get("genre")),
            "directors": names(row.get("director")), "cast": names(row.get("cast"))[:CAST_LIMIT],
            "languages": ["en"], "countries": ["GB"], "externalIDs": {}}


def main():
    args = sys.argv[1:]
    plots_path = None
    if "--plots" in args:
        at = args.index("--plots")
        plots_path = args[at + 1]
        del args[at:at + 2]
    out = args[0] if args else "samples"
    if not plots_path:
        sys.exit("usage: make-sample-catalog.py [OUT] --plots movies.rda|plots.jsonl < films.jsonl")
    written = plot_overviews(out + "/overviews.tsv")
    films = [json.loads(line) for line in sys.stdin]
    films = [f for f in films if f.get("year") and f.get("imdb_id") and f.get("title")]
    matched, unmatched = match_plots(films, plot_rows(plots_path))

    chosen = [f for f in films if f["imdb_id"] in written]
    chosen += [f for f in films if f["imdb_id"] in matched and f["imdb_id"] not in written]
    taken = {f["imdb_id"] for f in chosen}
    well_known = sorted((f for f in films if f["imdb_id"] not in taken),
                        key=lambda f: (-len(f["cast"]), digest(f["imdb_id"])))[:WELL_KNOWN]
    articles = sorted(unmatched, key=lambda r: digest(r.get("url") or r["title"]))
    articles = articles[:max(0, COUNT - len(chosen) - len(well_known))]
    chosen += well_known

    catalog, priced, sources = [], [], []
    for film in sorted(chosen, key=lambda f: f["imdb_id"]):
        row = matched.get(film["imdb_id"])
        if film["imdb_id"] in written:
            text, cast = written[film["imdb_id"]], film["cast"][:CAST_LIMIT]
        elif row:
            text, cast = plot_overview(row["plot"]), billing_order(names(row.get("cast")), film["cast"])
        else:
            text, cast = overview(film), film["cast"][:CAST_LIMIT]
        if row and film["imdb_id"] not in written:
            sources.append((film["title"], film["year"], row.get("url") or ""))
        catalog.append(wikidata_record(film, text, cast))
        film_offers = offers(film["imdb_id"], random.Random(film["imdb_id"]))
        if film_offers:
            priced.append({"id": film["imdb_id"], "kind": "movie", "title": film["title"], "year": film["year"],
                           "externalIDs": {"imdb": film["imdb_id"]}, "offers": film_offers})
    for row in sorted(articles, key=lambda r: (r["year"], r["title"])):
        record = article_record(row)
        catalog.append(record)
        sources.append((row["title"], row["year"], row.get("url") or ""))
        film_offers = offers(record["id"], random.Random(record["id"]))
        if film_offers:
            priced.append({"id": record["id"], "kind": "movie", "title": record["title"], "year": record["year"],
                           "directors": record["directors"], "externalIDs": {}, "offers": film_offers})
    articles_text = "title\tyear\tarticle\n" + "".join(f"{t}\t{y}\t{u}\n" for t, y, u in sorted(sources, key=lambda s: (s[1], s[0])))
    outputs = [("catalog.jsonl", catalog), ("offers.jsonl", priced)]
    for name, rows in outputs:
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        write(f"{out}/{name}.zst", text)
        print(f"{out}/{name}.zst: {len(rows)} records", file=sys.stderr)
    write(f"{out}/plot-articles.tsv.zst", articles_text)
    print(f"{len(catalog)} films: {len(sources)} with Wikipedia plot text ({len(articles)} not in Wikidata), "
          f"{len(written)} with a written overview, {len(well_known)} with a generated one", file=sys.stderr)


def write(path, text):
    subprocess.run(["zstd", "-19", "-q", "-f", "-o", path], input=text.encode(), check=True)


if __name__ == "__main__":
    main()
