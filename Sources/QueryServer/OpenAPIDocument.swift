import MediaModel
import Snapshots

/// The daemon's OpenAPI 3.1 description, served at `/openapi.json`. Tests check that its search
/// parameters are exactly the ones the server accepts.
enum OpenAPIDocument {
    /// A pattern for a comma-separated list of `values`, so that a schema-valid request is one
    /// the server accepts.
    static func listPattern(_ values: [String]) -> String {
        let alternatives = values.joined(separator: "|")
        return "^(\(alternatives))(,(\(alternatives)))*$"
    }

    /// An ISO date `YYYY-MM-DD` of the years 0001–9999 that exists (leap days included), exactly
    /// what the server accepts.
    static let datePattern =
        "^(([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-(((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01]))"
        + "|((0[469]|11)-(0[1-9]|[12][0-9]|30))|(02-(0[1-9]|1[0-9]|2[0-8])))"
        + "|(([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29))$"

    static var sortValuesJSON: String {
        "[" + SearchParameters.sortValues.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }

    /// The filters `/v1/leaving` and `/v1/new` share with search, and their own parameters.
    static func availabilityParameters(window: String, defaultDays: Int, meaning: String) -> String {
        #"""
                          {"name": "\#(window)", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,4}d$", "default": "\#(defaultDays)d"}, "description": "\#(meaning)"},
                          {"name": "on", "in": "query", "schema": {"type": "string", "pattern": "\#(datePattern)"}, "description": "The day to count from (default: today, UTC)"},
                          {"name": "offers", "in": "query", "schema": {"enum": ["all", "matched"], "default": "all"}, "description": "matched: each title's offers are only those that matched"},
                          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
                          {"name": "kind", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(TitleKind.allCases.map(\.rawValue)))"}},
                          {"name": "genre", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Genre.allCases.map(\.rawValue)))"}},
                          {"name": "year_from", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}},
                          {"name": "year_to", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}},
                          {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}(,[A-Za-z]{2})*$"}},
                          {"name": "service", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}(,[a-z0-9-]{1,64})*$"}},
                          {"name": "monetization", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Monetization.allCases.map(\.rawValue)))"}}
        """#
    }

    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "mediagw query API",
            "version": "1",
            "description": "Read-only search over the current mediagw snapshot. Errors are RFC 9457 problem details."
          },
          "paths": {
            "/v1/search": {
              "get": {
                "summary": "Search titles by text (lexical, semantic or hybrid ranking), with filters, pagination and facet counts",
                "parameters": [
                  {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 500},
                   "description": "Query text. Without it (or blank) the results are every title matching the filters, in id order. At most 500 characters, 500 Unicode code points and 2,000 UTF-8 bytes; percent-escapes must decode to valid UTF-8. Each parameter but the lists may be given once"},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                  {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
                  {"name": "kind", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(TitleKind.allCases.map(\.rawValue)))"}, "description": "Comma-separated: movie, series, season, episode, short, video"},
                  {"name": "genre", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Genre.allCases.map(\.rawValue)))"}, "description": "Comma-separated canonical genre ids (an unknown id is a 400)"},
                  {"name": "year_from", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}, "description": "After year_to, nothing matches"},
                  {"name": "year_to", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}},
                  {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}(,[A-Za-z]{2})*$"}, "description": "Comma-separated ISO 3166-1 alpha-2 codes"},
                  {"name": "service", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}(,[a-z0-9-]{1,64})*$"}, "description": "Comma-separated service ids"},
                  {"name": "monetization", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Monetization.allCases.map(\.rawValue)))"}, "description": "Comma-separated: subscription, free, ads, rent, buy, addon"},
                  {"name": "facets", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(FacetField.allCases.map(\.rawValue)))"}, "description": "Comma-separated: kind, year, genre, country, service, monetization, offer"},
                  {"name": "mode", "in": "query", "schema": {"enum": ["lexical", "semantic", "hybrid"], "default": "hybrid"},
                   "description": "Ranking: BM25F, vector similarity, or both fused by reciprocal rank fusion. Hybrid falls back to lexical (with a notice) when vectors or the model are missing; semantic then answers 503"},
                  {"name": "available_since_from", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.datePattern)"}, "description": "An offer started on or after this day; the same offer must meet country, service, monetization and the other date bounds"},
                  {"name": "available_since_to", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.datePattern)"}, "description": "An offer started on or before this day; after available_since_from nothing matches"},
                  {"name": "expires_from", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.datePattern)"}, "description": "An offer ends on or after this day"},
                  {"name": "expires_to", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.datePattern)"}, "description": "An offer ends on or before this day"},
                  {"name": "offers", "in": "query", "schema": {"enum": ["all", "matched"], "default": "all"}, "description": "With offer filters each hit lists matchedOffers; matched also cuts the title's offers to those"},
                  {"name": "explain", "in": "query", "schema": {"enum": ["true", "false"], "default": "false"}, "description": "Each hit says why it ranked: lexical score, matched terms and fields, similarity, the parts of the hybrid score"},
                  {"name": "sort", "in": "query", "schema": {"enum": \#(Self.sortValuesJSON), "default": "relevance"}, "description": "relevance, or every match ordered by a field (a leading - for descending), ties in id order; titles without the value last. expires and available_since use the earliest (descending: latest) matching offer"}
                ],
                "responses": {
                  "200": {"description": "One page of results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/titles/{id}": {
              "get": {
                "summary": "A canonical title by id; retired ids redirect to the surviving one",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 64}}],
                "responses": {
                  "200": {"description": "The title", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Title"}}}},
                  "301": {"description": "The id was retired by a merge; Location names the surviving id"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/titles/{id}/similar": {
              "get": {
                "summary": "Titles nearest to this one in vector space, under the same filters as a search",
                "parameters": [
                  {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 64}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                  {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
                  {"name": "kind", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(TitleKind.allCases.map(\.rawValue)))"}},
                  {"name": "genre", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Genre.allCases.map(\.rawValue)))"}},
                  {"name": "year_from", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}, "description": "After year_to, nothing matches"},
                  {"name": "year_to", "in": "query", "schema": {"type": "integer", "minimum": 1800, "maximum": 3000}},
                  {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}(,[A-Za-z]{2})*$"}},
                  {"name": "service", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}(,[a-z0-9-]{1,64})*$"}},
                  {"name": "monetization", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(Monetization.allCases.map(\.rawValue)))"}}
                ],
                "responses": {
                  "200": {"description": "The nearest titles, most similar first (score = cosine similarity)"},
                  "301": {"description": "The id was retired by a merge; Location names the surviving id"},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/leaving": {
              "get": {
                "summary": "Titles with an offer ending within the window, soonest first, each once with the offers that matched",
                "parameters": [
        \#(Self.availabilityParameters(window: "within", defaultDays: 30, meaning: "Offers ending from `on` to `on` plus this many days"))
                ],
                "responses": {"200": {"description": "One page of titles"}, "400": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}
              }
            },
            "/v1/new": {
              "get": {
                "summary": "Titles with an offer that started within the window, newest first, each once with the offers that matched",
                "parameters": [
        \#(Self.availabilityParameters(window: "since", defaultDays: 7, meaning: "Offers that started from this many days before `on` to `on`"))
                ],
                "responses": {"200": {"description": "One page of titles"}, "400": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}
              }
            },
            "/v1/titles/{id}/offers": {
              "get": {
                "summary": "One title's offers grouped by country, with prices, links and expiry",
                "parameters": [
                  {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 64}},
                  {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}(,[A-Za-z]{2})*$"}, "description": "Only these countries"}
                ],
                "responses": {
                  "200": {"description": "The offers by country"},
                  "301": {"description": "The id was retired by a merge; Location names the surviving id"},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/changes": {
              "get": {
                "summary": "Every change published after a build up to the one served, in order: titles added, removed, merged and changed; offers added and removed; prices, expiry and quality changed",
                "parameters": [
                  {"name": "since", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-fA-F-]{1,64}$"}, "description": "The build id to start after (a snapshot's buildID)"},
                  {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}(,[A-Za-z]{2})*$"}, "description": "Only offer changes in these countries"},
                  {"name": "service", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}(,[a-z0-9-]{1,64})*$"}, "description": "Only offer changes on these services"},
                  {"name": "kind", "in": "query", "schema": {"type": "string", "pattern": "\#(Self.listPattern(ChangeSet.Change.Kind.allCases.map(\.rawValue)))"}, "description": "Only these kinds of change"},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                  {"name": "cursor", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}, "description": "The next value of the previous page"}
                ],
                "responses": {
                  "200": {"description": "One page of changes"},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "410": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/snapshot": {
              "get": {
                "summary": "The served snapshot's name, size, metadata and sections",
                "responses": {"200": {"description": "Snapshot information"}, "503": {"$ref": "#/components/responses/Problem"}}
              }
            },
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "The process runs"}}}},
            "/readyz": {
              "get": {
                "summary": "Readiness: a snapshot is loaded; capabilities lists lexical, semantic and similar, missing says why one is off; with serve --from, store says how stale the cache is",
                "responses": {"200": {"description": "Ready"}, "503": {"$ref": "#/components/responses/Problem"}}
              }
            },
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format"}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
          },
          "components": {
            "responses": {
              "Problem": {"description": "Problem details", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                  "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                  "detail": {"type": "string"}, "parameter": {"type": "string", "description": "The query parameter at fault"},
                  "requestId": {"type": "string", "description": "The X-Request-Id of the request, as logged"}
                }
              },
              "Offer": {
                "type": "object",
                "required": ["country", "service", "monetization"],
                "properties": {
                  "country": {"type": "string"}, "service": {"type": "string"},
                  "monetization": {"enum": ["subscription", "free", "ads", "rent", "buy", "addon"]},
                  "price": {"type": "object", "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}}},
                  "quality": {"enum": ["sd", "hd", "uhd", "hdr"]},
                  "webURL": {"type": "string"}, "deepLink": {"type": "string"},
                  "availableSince": {"type": "string"}, "expiresOn": {"type": "string"},
                  "sources": {"type": "array", "items": {"type": "string"}}
                }
              },
              "Title": {
                "type": "object",
                "required": ["id", "kind", "title", "offers", "members"],
                "properties": {
                  "id": {"type": "string"}, "kind": {"type": "string"}, "title": {"type": "string"},
                  "originalTitle": {"type": "string"}, "year": {"type": "integer"}, "runtimeMinutes": {"type": "integer"},
                  "overview": {"type": "string"}, "genres": {"type": "array", "items": {"type": "string"}},
                  "directors": {"type": "array", "items": {"type": "string"}}, "cast": {"type": "array", "items": {"type": "string"}},
                  "externalIDs": {"type": "object"}, "offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}},
                  "members": {"type": "array", "items": {"type": "string"}}, "fieldSources": {"type": "object"}
                }
              },
              "Explanation": {
                "type": "object",
                "required": ["wordsMatched", "words", "matchedTerms"],
                "properties": {
                  "lexicalScore": {"type": "number"}, "wordsMatched": {"type": "integer"}, "words": {"type": "integer"},
                  "matchedTerms": {"type": "array", "items": {"type": "object", "properties": {
                    "word": {"type": "string"}, "term": {"type": "string"},
                    "match": {"enum": ["exact", "variant", "prefix", "typo"]},
                    "fields": {"type": "array", "items": {"enum": ["title", "alternateTitle", "people", "overview"]}}}}},
                  "yearBoost": {"type": "number"}, "similarity": {"type": "number"},
                  "lexicalPart": {"type": "number"}, "semanticPart": {"type": "number"},
                  "lexicalWeight": {"type": "number"}, "textlessPenalty": {"type": "number"}
                }
              },
              "SearchResponse": {
                "type": "object",
                "required": ["query", "mode", "total", "limit", "offset", "snapshot", "results"],
                "properties": {
                  "query": {"type": "string"}, "mode": {"enum": ["lexical", "semantic", "hybrid"]},
                  "notice": {"type": "string", "description": "Why the ranking asked for was not used"},
                  "total": {"type": "integer"}, "limit": {"type": "integer"},
                  "offset": {"type": "integer"}, "snapshot": {"type": "string"},
                  "results": {"type": "array", "items": {"type": "object", "properties": {"score": {"type": "number"}, "explanation": {"$ref": "#/components/schemas/Explanation"}, "title": {"$ref": "#/components/schemas/Title"}}}},
                  "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"}, "count": {"type": "integer"}}}}}
                }
              }
            }
          }
        }
        """#
}
