#!/usr/bin/env python3
"""Derive the bundled sample catalog from the Wikidata films dataset (CC0, Wikidata contributors).

Run by a developer, never at build, run or test time; its output is committed:
    zstdcat ../shared/data/wikidata-films/films.jsonl.zst | scripts/make-sample-catalog.py samples

Films listed in samples/overviews.tsv get its hand-written plot overview instead of the generated
one-line description (semantic search needs plots to find; see Benchmarks/semantic-queries.tsv).
Writes two source-record JSONL files (docs/formats/source-record.md), zstd-compressed:
  samples/catalog.jsonl.zst  source "wikidata": title metadata, no offers
  samples/offers.jsonl.zst   source "offers":   the same films (by IMDb id) with plausible offers
Resolution merges them into one canonical title per film. Offers are invented but plausible:
deterministic per film (seeded by its IMDb id), real services per country, real price points.
"""
import hashlib, json, random, subprocess, sys

COUNT = 3000
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


def offers(film, rng):
    result = []
    digest = hashlib.sha256(film["imdb_id"].encode()).hexdigest()[:12]
    number = int(digest[:7], 16) % 90000000 + 10000000
    for country in ["US", "GB", "DE", "FR", "CA"]:
        if rng.random() < 0.35:
            continue
        link = lambda s: LINKS[s].format(n=number, h=digest)
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


def plot_overviews(path):
    """imdb id -> plot overview, from the hand-written samples/overviews.tsv."""
    overviews = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and not line.startswith("#"):
                imdb_id, text = line.rstrip("\n").split("\t", 1)
                overviews[imdb_id] = text
    return overviews


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "samples"
    plots = plot_overviews(out + "/overviews.tsv")
    films = [json.loads(line) for line in sys.stdin]
    films = [f for f in films if f.get("year") and f.get("imdb_id") and f.get("title")]
    # A deterministic spread over the dataset, biased to films with cast lists (better search).
    films.sort(key=lambda f: (len(f["cast"]) == 0, hashlib.sha256(f["imdb_id"].encode()).hexdigest()))
    films = sorted(films[:COUNT], key=lambda f: f["imdb_id"])
    catalog, priced = [], []
    for film in films:
        record = {"id": "Q" + str(film["wikidata_row"]), "kind": "movie", "title": film["title"],
                  "year": film["year"], "overview": plots.get(film["imdb_id"]) or overview(film),
                  "genres": sorted({GENRES.get(g, g.lower()) for g in film["genres"]}),
                  "directors": film["directors"], "cast": film["cast"][:12],
                  "languages": [LANGUAGES[l] for l in film["languages"] if l in LANGUAGES],
                  "countries": sorted({COUNTRIES[c] for c in film["countries"] if c in COUNTRIES}),
                  "externalIDs": {"imdb": film["imdb_id"]}}
        if film.get("runtime_minutes"):
            record["runtimeMinutes"] = film["runtime_minutes"]
        if film.get("released"):
            record["releaseDate"] = film["released"]
        catalog.append(record)
        rng = random.Random(film["imdb_id"])
        film_offers = offers(film, rng)
        if film_offers:
            priced.append({"id": film["imdb_id"], "kind": "movie", "title": film["title"], "year": film["year"],
                           "externalIDs": {"imdb": film["imdb_id"]}, "offers": film_offers})
    for name, rows in [("catalog", catalog), ("offers", priced)]:
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        subprocess.run(["zstd", "-19", "-q", "-f", "-o", f"{out}/{name}.jsonl.zst"], input=text.encode(), check=True)
        print(f"{out}/{name}.jsonl.zst: {len(rows)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
