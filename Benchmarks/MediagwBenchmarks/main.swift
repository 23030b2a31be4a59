// mediagw-bench: prints import, build, open and search figures. Not a test: it asserts nothing.
//
//   swift run -c release mediagw-bench [--titles 10000,100000] [--queries 2000]
//   swift run -c release mediagw-bench --snapshot FILE --queries FILE
//   swift run -c release mediagw-bench --codecs
//   swift run -c release mediagw-bench --embeddings [--vector-titles 100000,1000000]
//     [--vector-export DIR] (also writes the vectors and query vectors as float32 for a peer
//     index, Benchmarks/peers/vectors.sh, and times the snapshot without the graph)
//     [--graph-m 16] [--graph-ef-construction N] (default: as the writer chooses by catalog size) (the HNSW graph's links per node and build beam)
//     [--graph-rebuild] (a nightly build with 1 % of vectors changed, 0.25 % titles gone and
//     0.25 % new, its graph built from the previous snapshot's and from scratch)
//   swift run -c release mediagw-bench --ingest [--ingest-titles 100000] [--no-network]
//     [--ingest-streams watchmode/listing,...] [--ingest-repeat 3]
//   swift run -c release mediagw-bench --resolve [--resolve-titles 5000] [--resolve-records 1000000]
//     (encoder throughput, query embedding latency alone and in calls of 1–32 queries, quality on Benchmarks/semantic-queries.tsv,
//     vector and hybrid search; needs the model: scripts/install-model.sh)
//   swift run -c release mediagw-bench --object-store FILE --store s3://BUCKET/PREFIX [--fleet URL,URL,URL]
//     [--repeat 3] (transfer throughput and fleet swap time; the store from the AWS_* variables)
//   swift run -c release mediagw-bench --changes FILE [--changed 1,10] (change-set time and size)
//   --output DIR keeps each generated catalog's staging database and snapshots in DIR/N.
//
// Generated catalogs scale the bundled sample (samples/*.jsonl.zst) with title variations.
import Compression
import Connectors
import Embeddings
import Foundation
import Jobs
import Logging
import MediaModel
import Search
import Snapshots
import Staging

struct Options {
    var titleCounts = [10_000, 100_000]
    var queryCount = 2000
    var snapshot: String?
    var queriesFile: String?
    var samples = "samples"
    var codecs = false
    var embeddings = false
    var ingest = false
    var resolve = false
    /// A directory from Benchmarks/resolution/make-cross-source.py: two real catalogues.
    var resolvePairs: String?
    var resolveTitles = 5000
    var resolveRecords: [Int] = [100_000]
    var ingestTitles = 100_000
    var ingestNetwork = true
    /// provider/stream pairs to measure (default: one stream per connector).
    var ingestStreams: [String] = []
    /// Measured replays per stream (the median is reported).
    var ingestRepeat = 3
    var vectorTitleCounts = [100_000]
    var qualityQueries = "Benchmarks/semantic-queries.tsv"
    /// Where to keep the generated catalogs' staging and snapshots (default: a temporary
    /// directory, removed afterwards).
    var output: String?
    var vectorExport: String?
    var graphRebuild = false
    var graphNeighbors = 16
    var graphEfConstruction: Int?
    /// A file to move through an object store, where, and the daemons that follow it.
    var objectStoreFile: String?
    var store = "s3://mediagw-bench/bench"
    var fleet: [URL] = []
    var repeats = 3
    /// A snapshot to compute change sets against, and the shares of titles changed.
    var changesFile: String?
    var changedPercentages = [1, 10]

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--titles": titleCounts = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--queries":
                // A number of generated queries, or a query file (as in --queries-file).
                let value = iterator.next() ?? ""
                if let count = Int(value) { queryCount = count } else { queriesFile = value }
            case "--snapshot": snapshot = iterator.next()
            case "--queries-file": queriesFile = iterator.next()
            case "--samples": samples = iterator.next() ?? samples
            case "--codecs": codecs = true
            case "--embeddings": embeddings = true
            case "--ingest": ingest = true
            case "--resolve": resolve = true
            case "--resolve-pairs": resolvePairs = iterator.next()
            case "--resolve-titles": resolveTitles = Int(iterator.next() ?? "") ?? resolveTitles
            case "--resolve-records":
                resolveRecords = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--ingest-titles": ingestTitles = Int(iterator.next() ?? "") ?? ingestTitles
            case "--no-network": ingestNetwork = false
            case "--ingest-repeat": ingestRepeat = max(1, Int(iterator.next() ?? "") ?? ingestRepeat)
            case "--ingest-streams": ingestStreams = (iterator.next() ?? "").split(separator: ",").map(String.init)
            case "--vector-titles":
                vectorTitleCounts = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--quality": qualityQueries = iterator.next() ?? qualityQueries
            case "--output": output = iterator.next()
            case "--vector-export": vectorExport = iterator.next()
            case "--graph-rebuild": graphRebuild = true
            case "--graph-m": graphNeighbors = Int(iterator.next() ?? "") ?? graphNeighbors
            case "--graph-ef-construction": graphEfConstruction = Int(iterator.next() ?? "")
            case "--object-store": objectStoreFile = iterator.next()
            case "--store": store = iterator.next() ?? store
            case "--fleet": fleet = (iterator.next() ?? "").split(separator: ",").compactMap { URL(string: String($0)) }
            case "--repeat": repeats = max(1, Int(iterator.next() ?? "") ?? repeats)
            case "--changes": changesFile = iterator.next()
            case "--changed":
                changedPercentages = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(64)
            }
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Reads the bundled sample records.
func loadSample(_ directory: String) throws -> [SourceRecord] {
    var records: [SourceRecord] = []
    for (file, source) in [("catalog.jsonl.zst", "wikidata"), ("offers.jsonl.zst", "offers")] {
        let reader = try LineReader(path: "\(directory)/\(file)")
        let decoder = SourceRecordDecoder(source: source)
        while let line = try reader.readLine() {
            if case .record(let record, _) = decoder.decode(line) { records.append(record) }
        }
    }
    return records
}

/// Deterministic pseudo-words, so larger catalogs grow their vocabulary as real ones do.
func word(_ n: Int) -> String {
    let syllables = [
        "ka", "lo", "mi", "ren", "to", "sha", "vel", "dor", "bri", "an", "qu", "es", "zan", "pol", "rik", "om",
    ]
    var value = n
    var text = ""
    repeat {
        text += syllables[value % syllables.count]
        value /= syllables.count
    } while value > 0
    return text.prefix(1).uppercased() + text.dropFirst()
}

/// Writes a JSONL catalog of `count` records scaled from the sample: copy k of a film gets a
/// variant title, another year and its own ids, so nothing merges across copies.
func writeCatalog(count: Int, sample: [SourceRecord], to path: String) throws -> Int {
    let metadata = sample.filter { $0.source == "wikidata" }
    let offers = Dictionary(
        sample.filter { $0.source == "offers" }.map { ($0.externalIDs?.imdb ?? "", $0.offers ?? []) },
        uniquingKeysWith: { first, _ in first }
    )
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    var buffer = Data()
    for index in 0..<count {
        let base = metadata[index % metadata.count]
        let copy = index / metadata.count
        var record = base
        record.source = "bench"
        if copy > 0 {
            record.id = "\(base.id)-\(copy)"
            record.title = "\(base.title) \(word(copy))"
            record.year = (base.year ?? 2000) + copy % 7
            record.externalIDs = ExternalIDs(imdb: String(format: "tt%08d", 10_000_000 + index))
        }
        record.offers = offers[base.externalIDs?.imdb ?? ""]
        buffer.append(try encoder.encode(record))
        buffer.append(0x0a)
        if buffer.count > 4 << 20 {
            handle.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
    handle.write(buffer)
    try handle.close()
    return metadata.count
}

/// A fixed query mix drawn from the catalog: whole titles, single words, a prefix of the last
/// word, one typo, two words with a filter.
func queryMix(_ snapshot: Snapshot, count: Int) throws -> [SearchQuery] {
    var generator = SplitMix64(seed: 42)
    var queries: [SearchQuery] = []
    guard snapshot.documentCount > 0 else { return [] }
    let genres: [Genre] = [.drama, .comedy, .thriller, .horror, .documentary]
    while queries.count < count {
        let doc = UInt32(generator.next() % UInt64(snapshot.documentCount))
        let title = try snapshot.title(doc)
        let words = Tokenizer.terms(title.title)
        guard let first = words.first else { continue }
        switch queries.count % 5 {
        case 0: queries.append(SearchQuery(text: title.title))
        case 1: queries.append(SearchQuery(text: words.max { $0.count < $1.count } ?? first))
        case 2: queries.append(SearchQuery(text: String(first.prefix(max(2, first.count - 2)))))
        case 3:
            var letters = Array(first)
            if letters.count >= 5 { letters.swapAt(2, 3) }
            queries.append(SearchQuery(text: String(letters) + " "))
        default:
            var filters = SearchFilters()
            filters.genres = [genres[queries.count % genres.count]]
            filters.countries = ["US"]
            queries.append(SearchQuery(text: words.prefix(2).joined(separator: " "), filters: filters))
        }
    }
    return queries
}

/// Runs the queries and prints latency percentiles: the search alone, with each hit's id and
/// display title read (what a peer engine returns from two stored fields), and, in a second
/// pass, with each hit's whole title decoded (what the daemon serves).
func measureSearch(_ snapshot: Snapshot, _ queries: [SearchQuery], label: String) throws {
    let engine = SearchEngine(snapshot: snapshot)
    try engine.warm()  // as the daemon does after a swap
    for query in queries.prefix(100) { _ = try engine.search(query) }  // warm the page cache
    var searchTimes: [Double] = []
    var withNames: [Double] = []
    var withTitles: [Double] = []
    var hits = 0
    let clock = ContinuousClock()
    for query in queries {
        let start = clock.now
        let results = try engine.search(query)
        let searched = clock.now
        for hit in results.hits { _ = try snapshot.titleName(hit.document) }
        let end = clock.now
        searchTimes.append(seconds(searched - start) * 1000)
        withNames.append(seconds(end - start) * 1000)
        hits += results.hits.isEmpty ? 0 : 1
    }
    for query in queries {
        let start = clock.now
        let results = try engine.search(query)
        for hit in results.hits { _ = try snapshot.title(hit.document) }
        withTitles.append(seconds(clock.now - start) * 1000)
    }
    let slowest = zip(queries, searchTimes).sorted { $0.1 > $1.1 }.prefix(3)
        .map { String(format: "%.2f ms ", $0.1) + "'\($0.0.text)'" + ($0.0.filters.isEmpty ? "" : " +filters") }
    searchTimes.sort()
    withNames.sort()
    withTitles.sort()
    print(
        String(
            format:
                "%@ search: %d queries, %.1f%% with hits, p50 %.3f ms, p99 %.3f ms; with names p50 %.3f ms, "
                + "p99 %.3f ms; with titles p50 %.3f ms, p99 %.3f ms",
            label,
            queries.count,
            100 * Double(hits) / Double(max(queries.count, 1)),
            percentile(searchTimes, 0.5),
            percentile(searchTimes, 0.99),
            percentile(withNames, 0.5),
            percentile(withNames, 0.99),
            percentile(withTitles, 0.5),
            percentile(withTitles, 0.99)
        )
    )
    print("  slowest: " + slowest.joined(separator: ", "))
}

/// Encode and decode rates of the storage encodings, single-threaded, over the sample records.
func measureCodecs(_ records: [SourceRecord]) throws {
    let clock = ContinuousClock()
    var start = clock.now
    let json = try records.map { try JSONEncoder().encode($0) }
    let jsonEncode = seconds(clock.now - start)
    start = clock.now
    for data in json { _ = try JSONDecoder().decode(SourceRecord.self, from: data) }
    let jsonDecode = seconds(clock.now - start)
    start = clock.now
    let compact = try records.map { try CompactEncoder().encode($0) }
    let compactEncode = seconds(clock.now - start)
    start = clock.now
    for bytes in compact { _ = try CompactDecoder().decode(SourceRecord.self, from: bytes) }
    let compactDecode = seconds(clock.now - start)
    let count = Double(records.count)
    print(
        String(
            format:
                "codecs over %d records: JSON encode %.0f/s decode %.0f/s (%.0f bytes); compact encode %.0f/s decode %.0f/s (%.0f bytes)",
            records.count,
            count / jsonEncode,
            count / jsonDecode,
            Double(json.reduce(0) { $0 + $1.count }) / count,
            count / compactEncode,
            count / compactDecode,
            Double(compact.reduce(0) { $0 + $1.count }) / count
        )
    )
}

/// `text<TAB>genre=drama&country=US` per line; filters optional.
func readQueries(_ path: String) throws -> [SearchQuery] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
        let parts = line.split(separator: "\t", maxSplits: 1)
        var filters = SearchFilters()
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            switch kv[0] {
            case "kind": filters.kinds += [TitleKind(rawValue: kv[1])].compactMap { $0 }
            case "genre": filters.genres += [Genre(rawValue: kv[1])].compactMap { $0 }
            case "year_from": filters.yearFrom = Int(kv[1])
            case "year_to": filters.yearTo = Int(kv[1])
            case "country": filters.countries.append(kv[1].uppercased())
            case "service": filters.services.append(kv[1])
            case "monetization": filters.monetizations += [Monetization(rawValue: kv[1])].compactMap { $0 }
            default: break
            }
        }
        return SearchQuery(text: String(parts.first ?? ""), filters: filters)
    }
}

func runEmbeddingBenchmarks(_ options: Options, logger: Logger) async throws {
    let embedder = try BertEmbedder(directory: ModelDirectory.defaultPath())
    let queries = try readQualityQueries(options.qualityQueries).map(\.query)
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-bench-embeddings").path
    let (sample, vectors) = try await measureQuality(
        samples: options.samples,
        queriesFile: options.qualityQueries,
        embedder: embedder,
        cacheDirectory: cache,
        logger: logger
    )
    let documents = try (0..<sample.documentCount).map { EmbeddingText.document(for: try sample.title(UInt32($0))) }
    try measureEmbedding(modelDirectory: ModelDirectory.defaultPath(), documents: documents, queries: queries)
    for count in options.vectorTitleCounts {
        try measureVectorSearch(
            count: count,
            sample: sample,
            sampleVectors: vectors,
            queries: queries,
            embedder: embedder,
            directory: options.output,
            export: options.vectorExport,
            graphRebuild: options.graphRebuild,
            graph: (options.graphNeighbors, options.graphEfConstruction)
        )
    }
}

func run() async throws {
    let options = Options(CommandLine.arguments)
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let clock = ContinuousClock()
    if let path = options.snapshot {
        let start = clock.now
        let snapshot = try Snapshot(path: path)
        print(String(format: "open: %.3f ms (%d titles)", seconds(clock.now - start) * 1000, snapshot.documentCount))
        let queries = try options.queriesFile.map(readQueries) ?? queryMix(snapshot, count: options.queryCount)
        try measureSearch(snapshot, queries, label: "\(snapshot.documentCount) titles")
        try measureAvailability(snapshot, label: "\(snapshot.documentCount) titles:")
        return
    }
    if let file = options.changesFile {
        try measureChangeSets(snapshotAt: file, percentages: options.changedPercentages)
        return
    }
    if let file = options.objectStoreFile {
        try await runObjectStoreBenchmarks(
            file: file,
            location: options.store,
            fleet: options.fleet,
            repeats: options.repeats
        )
        return
    }
    if options.embeddings {
        try await runEmbeddingBenchmarks(options, logger: logger)
        return
    }
    if options.ingest {
        try await runIngestBenchmarks(
            titles: options.ingestTitles,
            network: options.ingestNetwork,
            only: options.ingestStreams,
            repeats: options.ingestRepeat,
            logger: logger
        )
        return
    }
    if let directory = options.resolvePairs {
        try runCrossSourceResolution(directory)
        return
    }
    if options.resolve {
        try await runResolutionBenchmarks(
            titles: options.resolveTitles,
            throughput: options.resolveRecords,
            samples: options.samples,
            logger: logger
        )
        return
    }
    let sample = try loadSample(options.samples)
    if options.codecs {
        try measureCodecs(sample)
        return
    }
    for count in options.titleCounts {
        let root =
            options.output.map { "\($0)/\(count)" }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-bench-\(count)-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if options.output == nil { try? FileManager.default.removeItem(atPath: root) } }
        let catalog = root + "/catalog.jsonl"
        _ = try writeCatalog(count: count, sample: sample, to: catalog)
        let store = try StagingStore(path: root + "/staging.sqlite")

        var start = clock.now
        let summary = try CatalogImporter(source: "bench", pageSize: 2000, logger: logger).importFile(
            catalog,
            into: store
        )
        let importSeconds = seconds(clock.now - start)
        print(
            String(
                format: "%d titles: import %.1f s, %.0f records/s (%d new)",
                count,
                importSeconds,
                Double(count) / importSeconds,
                summary.counts.new
            )
        )

        start = clock.now
        let build = try await SnapshotBuilder(logger: logger).build(
            from: store,
            into: SnapshotDirectory(path: root + "/snapshots")
        )
        print(
            String(
                format: "%d titles: build %.2f s (load %.2f, resolve %.2f, write %.2f, verify + publish %.2f), "
                    + "%d bytes, %.0f bytes/title",
                count,
                seconds(clock.now - start),
                build.phases["load"] ?? 0,
                build.phases["resolve"] ?? 0,
                build.phases["write"] ?? 0,
                build.phases["publish"] ?? 0,
                build.bytes,
                Double(build.bytes) / Double(max(build.titles, 1))
            )
        )

        var opens: [Double] = []
        for _ in 0..<20 {
            start = clock.now
            _ = try Snapshot(path: build.path)
            opens.append(seconds(clock.now - start) * 1000)
        }
        opens.sort()
        print(String(format: "%d titles: open p50 %.3f ms", count, percentile(opens, 0.5)))
        let snapshot = try Snapshot(path: build.path)
        try measureSearch(snapshot, try queryMix(snapshot, count: options.queryCount), label: "\(count) titles:")
        try measureAvailability(snapshot, label: "\(count) titles:")
    }
}

do {
    try await run()
} catch {
    FileHandle.standardError.write(Data("mediagw-bench: \(error)\n".utf8))
    exit(1)
}
