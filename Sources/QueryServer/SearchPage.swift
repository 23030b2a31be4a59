// Why one file: the page is one HTML document (markup, style, script) whose CSP hashes are
// computed from the same strings, so they stay together.

import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import MediaModel

/// The search page that `mediagw serve` answers at `/` and `/titles/{id}`: one HTML document
/// with its stylesheet and script inside, embedded in the binary (nothing is fetched from
/// elsewhere, and nothing but the JSON API is fetched before the first results show). The script
/// uses only the public JSON API. The Content-Security-Policy allows exactly this stylesheet and
/// this script, by their SHA-256, and nothing else inline; the script sets every value from the
/// index as text.
enum SearchPage {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src '\(digest(javascript))'; style-src '\(digest(css))'; connect-src 'self'; "
        + "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The page: the stylesheet in the head, the script at the end of the body, so that it runs
    /// as soon as the form it reads is parsed and starts the first search at once.
    static let page =
        html
        .replacingOccurrences(of: "<style></style>", with: "<style>\(css)</style>")
        .replacingOccurrences(of: "<script></script>", with: "<script>\(javascript)</script>")

    /// The CSP source expression that allows an inline element whose text is `text`.
    static func digest(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }

    static func register(on router: Router<some RequestContext>) {
        router.get("/") { request, _ in
            // The browser asks for the first results while it reads the page, instead of after
            // its script has run; the script's own request then takes the answer.
            let preload =
                #"<link rel="preload" as="fetch" crossorigin="anonymous" href="\#(firstSearch(request.uri))">"#
            return response(pageHead + preload + pageRest, type: "text/html; charset=utf-8")
        }
        router.get("/titles/:id") { _, _ in response(pageHead + pageRest, type: "text/html; charset=utf-8") }
    }

    /// The page around the place for the preload, split once.
    static let (pageHead, pageRest): (String, String) = {
        let parts = page.components(separatedBy: "<!--preload-->")
        return (parts[0], parts.dropFirst().joined())
    }()

    /// Results on the page's first search (and every search it makes).
    static let pageSize = 20

    /// The query parameters the page reads from its address, in the order the script reads them.
    static let filterNames = ["mode", "kind", "genre", "country", "service", "monetization", "year_from", "year_to"]
    /// The options of the page's selects (the empty first option aside): a value the select does
    /// not offer reads back as empty.
    static let choices = [
        "mode": ["lexical", "semantic"], "kind": TitleKind.allCases.map(\.rawValue),
        "monetization": Monetization.allCases.map(\.rawValue),
    ]
    static let facetNames = ["genre", "kind", "service", "monetization", "country"]

    /// The `/v1/search` request the page's script makes first when opened at `uri`, written
    /// exactly as the script writes it: the form's values as the browser sanitizes them (a
    /// select keeps only a value it offers, a number field only a number, text fields lose line
    /// breaks), trimmed, the empty ones left out, then `limit` and `facets`, encoded as
    /// `URLSearchParams` encodes. Were the two to differ, the page would still work; it would
    /// only ask twice.
    static func firstSearch(_ uri: URI) -> String {
        let parameters = uri.queryParameters
        var pairs: [(String, String)] = []
        for name in ["q"] + filterNames {
            guard var value: String = parameters.get(name) else { continue }
            if name.hasPrefix("year_") {
                guard value.wholeMatch(of: /-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?/) != nil else { continue }
            } else if let options = choices[name] {
                guard options.contains(value) else { continue }
            } else {
                value.unicodeScalars.removeAll { scalar in scalar == "\n" || scalar == "\r" }
            }
            value = value.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines)
            if !value.isEmpty { pairs.append((name, value)) }
        }
        pairs += [("limit", "\(pageSize)"), ("facets", facetNames.joined(separator: ","))]
        return "/v1/search?" + pairs.map { formEncoded($0) + "=" + formEncoded($1) }.joined(separator: "&")
    }

    /// `application/x-www-form-urlencoded` as `URLSearchParams` writes it; also safe inside a
    /// double-quoted HTML attribute.
    static func formEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case 0x20: encoded.append("+")
            case 0x2A, 0x2D, 0x2E, 0x5F, 0x30...0x39, 0x41...0x5A, 0x61...0x7A:
                encoded.append(Character(Unicode.Scalar(byte)))
            default: encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    static func response(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
                .referrerPolicy: "no-referrer", .cacheControl: "no-cache",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func options(_ name: String) -> String {
        choices[name, default: []].map { "<option>\($0)</option>" }.joined()
    }

    static func list(_ names: [String]) -> String {
        "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>mediagw — what is watchable where</title>
        <style></style>
        <!--preload-->
        </head>
        <body>
        <header>
          <h1><a href="/">mediagw</a></h1>
          <span id="snapshot">loading snapshot…</span>
        </header>
        <form id="search" role="search" autocomplete="off">
          <div class="query">
            <input name="q" type="search" placeholder="Search titles, people, plots (press / to focus)" aria-label="Search" autofocus>
            <button type="button" id="clear">Clear</button>
          </div>
          <label>Mode <select name="mode"><option value="">hybrid</option>\#(options("mode"))</select></label>
          <label>Kind <select name="kind"><option value="">any</option>\#(options("kind"))</select></label>
          <label>Genre <input name="genre" placeholder="drama"></label>
          <label>Country <input name="country" placeholder="US" maxlength="2"></label>
          <label>Service <input name="service" placeholder="netflix"></label>
          <label>Monetization <select name="monetization"><option value="">any</option>\#(options("monetization"))</select></label>
          <label>Year from <input name="year_from" type="number" inputmode="numeric" min="1870" max="2100"></label>
          <label>Year to <input name="year_to" type="number" inputmode="numeric" min="1870" max="2100"></label>
        </form>
        <p id="status" aria-live="polite"></p>
        <main>
          <aside id="facets" aria-label="Facet counts"></aside>
          <div id="results"></div>
        </main>
        <script></script>
        </body>
        </html>
        """#

    static let css = #"""
        :root { color-scheme: light dark; --accent: #2563eb; --muted: #6b7280; --line: #d1d5db; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; }
        header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .5rem; }
        header h1 { font-size: 1.3rem; margin: 0; }
        #snapshot, .facts, .count, #status, .more, .none { color: var(--muted); font-size: .9rem; }
        form { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .5rem; margin: 1rem 0; }
        form .query { grid-column: 1 / -1; display: flex; gap: .5rem; }
        form .query input { flex: 1; font-size: 1.1rem; }
        label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
        input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: .35rem; }
        button { cursor: pointer; }
        :focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
        main { display: grid; grid-template-columns: 14rem 1fr; gap: 1.5rem; }
        #facets h3 { font-size: .9rem; margin: .8rem 0 .3rem; text-transform: capitalize; }
        #facets ul, .offers { list-style: none; padding: 0; margin: 0; }
        .facet { border: 0; background: none; padding: .1rem 0; text-align: left; }
        .card { border-bottom: 1px solid var(--line); padding: .8rem 0; }
        .card h2 { font-size: 1.1rem; margin: 0; }
        .card p { margin: .25rem 0; }
        .offer { font-size: .9rem; }
        a { color: var(--accent); }
        @media (max-width: 40rem) {
          main { grid-template-columns: 1fr; }
          #facets { order: 2; }
        }
        """#

    static let javascript = #"""
        // The search page of mediagw serve: plain JavaScript over the public JSON API (docs/http-api.md).
        // Every value from the index reaches the page through textContent or an attribute set by the
        // DOM, never through HTML, so a title such as "<script>" is shown as text.
        "use strict";

        const FACETS = \#(list(facetNames));
        const FILTERS = \#(list(filterNames));

        function element(tag, attributes, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes || {})) {
            if (value !== undefined && value !== null) node.setAttribute(name, String(value));
          }
          for (const child of children) {
            if (child === null || child === undefined) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        /// Only http(s) links from the index become links.
        function safeURL(text) {
          try {
            const url = new URL(text);
            return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
          } catch (error) {
            return null;
          }
        }

        async function getJSON(path) {
          // No headers of its own, so that the request made with the page (the preload) matches.
          const response = await fetch(path);
          const body = await response.json().catch(() => ({}));
          if (!response.ok) throw new Error(body.detail || body.title || `HTTP ${response.status}`);
          return body;
        }

        function describeOffer(offer) {
          const parts = [offer.service, offer.monetization];
          if (offer.price) parts.push(`${offer.price.amount} ${offer.price.currency}`);
          parts.push(offer.country);
          if (offer.expiresOn) parts.push(`until ${offer.expiresOn.slice(0, 10)}`);
          const text = parts.join(" · ");
          const url = safeURL(offer.webURL || offer.deepLink || "");
          return element("li", { class: "offer" }, url ? element("a", { href: url, rel: "noopener noreferrer" }, text) : text);
        }

        /// The offers that satisfy the chosen country, service and monetization filters.
        function matchedOffers(title, filters) {
          return (title.offers || []).filter(
            (offer) =>
              (!filters.country || offer.country === filters.country.toUpperCase()) &&
              (!filters.service || offer.service === filters.service) &&
              (!filters.monetization || offer.monetization === filters.monetization)
          );
        }

        function card(title, filters, score, shown = 8) {
          const heading = element("h2", {}, element("a", { href: `/titles/${encodeURIComponent(title.id)}` }, title.title));
          const facts = [title.year, title.kind, (title.genres || []).join(", ")].filter(Boolean).join(" · ");
          const offers = matchedOffers(title, filters);
          const list = element("ul", { class: "offers" }, ...offers.slice(0, shown).map(describeOffer));
          if (offers.length > shown) list.append(element("li", { class: "more" }, `and ${offers.length - shown} more offers`));
          return element(
            "article",
            { class: "card", "data-id": title.id },
            heading,
            element("p", { class: "facts" }, facts, score === undefined ? null : element("span", { class: "score" }, ` score ${score.toFixed(3)}`)),
            title.overview ? element("p", { class: "overview" }, title.overview) : null,
            offers.length ? list : element("p", { class: "none" }, "no offer matches the filters"),
            element("a", { class: "similar", href: `/titles/${encodeURIComponent(title.id)}#similar` }, "similar titles")
          );
        }

        function currentFilters() {
          const form = document.getElementById("search");
          const values = {};
          for (const name of ["q", ...FILTERS]) {
            const value = form.elements[name].value.trim();
            if (value) values[name] = value;
          }
          return values;
        }

        function renderFacets(facets) {
          const box = document.getElementById("facets");
          box.replaceChildren();
          for (const name of FACETS) {
            const counts = (facets || {})[name];
            if (!counts || !counts.length) continue;
            const list = element("ul", {});
            for (const { value, count } of counts.slice(0, 12)) {
              const button = element("button", { type: "button", class: "facet", "data-facet": name, "data-value": value }, `${value} `, element("span", { class: "count" }, String(count)));
              button.addEventListener("click", () => {
                const form = document.getElementById("search");
                if (form.elements[name]) {
                  form.elements[name].value = value;
                  search();
                }
              });
              list.append(element("li", {}, button));
            }
            box.append(element("section", { class: "facet-group", "data-facet": name }, element("h3", {}, name), list));
          }
        }

        // Records, once, how long after the HTML arrived the first results were on the page (the
        // benchmark reads it).
        function markFirstRender() {
          if (document.body.dataset.firstRenderMs) return;
          const navigation = performance.getEntriesByType("navigation")[0];
          const arrived = navigation ? navigation.responseEnd : 0;
          document.body.dataset.firstRenderMs = (performance.now() - arrived).toFixed(1);
        }

        let generation = 0;
        async function search() {
          const filters = currentFilters();
          const parameters = new URLSearchParams(filters);
          history.replaceState(null, "", parameters.toString() ? `/?${parameters}` : "/");
          parameters.set("limit", "\#(pageSize)");
          parameters.set("facets", FACETS.join(","));
          const mine = ++generation;
          const status = document.getElementById("status");
          try {
            const body = await getJSON(`/v1/search?${parameters}`);
            if (mine !== generation) return;
            status.textContent = `${body.total} matches (${body.mode})` + (body.notice ? ` — ${body.notice}` : "");
            const results = document.getElementById("results");
            results.replaceChildren(...body.results.map((hit) => card(hit.title, filters, hit.score)));
            renderFacets(body.facets);
            markFirstRender();
          } catch (error) {
            if (mine === generation) status.textContent = `Search failed: ${error.message}`;
          }
        }

        async function titlePage(id) {
          document.getElementById("search").hidden = true;
          document.getElementById("facets").hidden = true;
          const status = document.getElementById("status");
          const results = document.getElementById("results");
          try {
            const title = await getJSON(`/v1/titles/${encodeURIComponent(id)}`);
            document.title = `${title.title} — mediagw`;
            status.replaceChildren(element("a", { href: "/" }, "← search"));
            const people = [
              title.directors && title.directors.length ? `directed by ${title.directors.join(", ")}` : null,
              title.cast && title.cast.length ? `with ${title.cast.slice(0, 6).join(", ")}` : null,
            ].filter(Boolean);
            const all = card(title, {}, undefined, Infinity);
            if (people.length) all.insertBefore(element("p", { class: "people" }, people.join("; ")), all.querySelector(".offers, .none"));
            all.querySelector(".similar").remove();
            results.replaceChildren(all);
            const similar = await getJSON(`/v1/titles/${encodeURIComponent(id)}/similar?limit=10`).catch((error) => ({ results: [], error }));
            const section = element("section", { id: "similar" }, element("h2", {}, "Similar titles"));
            if (similar.error) section.append(element("p", { class: "none" }, similar.error.message));
            section.append(...similar.results.map((hit) => card(hit.title, {}, hit.score)));
            results.append(section);
          } catch (error) {
            status.textContent = `No such title: ${error.message}`;
          }
        }

        async function showSnapshot() {
          try {
            const info = await getJSON("/v1/snapshot");
            const meta = info.metadata || {};
            document.getElementById("snapshot").textContent = `snapshot ${info.name}: ${meta.titleCount} titles, built ${meta.builtAt}`;
          } catch (error) {
            document.getElementById("snapshot").textContent = `no snapshot: ${error.message}`;
          }
        }

        function start() {
          const match = location.pathname.match(/^\/titles\/([^/]+)$/);
          if (match) {
            titlePage(decodeURIComponent(match[1]));
            return showSnapshot();
          }
          const form = document.getElementById("search");
          const parameters = new URLSearchParams(location.search);
          for (const name of ["q", ...FILTERS]) {
            if (parameters.has(name)) form.elements[name].value = parameters.get(name);
          }
          let timer;
          form.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(search, 150);
          });
          form.addEventListener("submit", (event) => {
            event.preventDefault();
            search();
          });
          document.getElementById("clear").addEventListener("click", () => {
            form.reset();
            search();
          });
          document.addEventListener("keydown", (event) => {
            if (event.key === "/" && document.activeElement !== form.elements.q) {
              event.preventDefault();
              form.elements.q.focus();
            }
          });
          // The search goes out first; the snapshot line follows.
          search();
          showSnapshot();
        }

        // The script is the body's last element: everything it reads is parsed.
        start();
        """#
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
