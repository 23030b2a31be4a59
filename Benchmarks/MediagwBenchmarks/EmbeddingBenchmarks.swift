// Figures for embeddings and hybrid search (issue 6): encoder throughput, query embedding
// latency, search quality on the committed descriptive queries, vector search latency and
// graph recall at 100k and 1M titles, and hybrid query latency.
import Embeddings
import Foundation
import Jobs
import Logging
import MediaModel
import Search
import Snapshots
import Staging

/// Prints a line at once, even into a file: these runs are long, and their figures should show
/// as they are measured.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// Texts of about `tokens` word pieces each, cut from the sample's document texts.
func textsOfLength(_ tokens: Int, count: Int, from documents: [String], tokenizer: WordPieceTokenizer) -> [String] {
    let words = documents.joined(separator: " ").split(separator: " ")
    var texts: [String] = []
    var start = 0
    while texts.count < count {
        var end = start + tokens / 2
        var text = words[start..<min(end, words.count)].joined(separator: " ")
        while tokenizer.tokenize(text).count < tokens && end < words.count {
            end += 1
            text = words[start..<end].joined(separator: " ")
        }
        texts.append(text)
        start = end >= words.count - tokens ? texts.count : end
    }
    return texts
}

func measureEmbedding(modelDirectory: String, documents: [String], queries: [String]) throws {
    let probe = try BertEmbedder(directory: modelDirectory, workers: 1)
    let clock = ContinuousClock()
    for tokens in [64, 128] {
        let texts = textsOfLength(tokens, count: 256, from: documents, tokenizer: probe.tokenizer)
        let mean = Double(texts.reduce(0) { $0 + probe.tokenizer.tokenize($1).count }) / Double(texts.count)
        for workers in [1, 2] {
            let embedder = try BertEmbedder(directory: modelDirectory, workers: workers)
            _ = embedder.embedSynchronously(Array(texts.prefix(16)))  // touch the weights
            let start = clock.now
            _ = embedder.embedSynchronously(texts)
            let elapsed = seconds(clock.now - start)
            say(
                String(
                    format: "embedding: %d texts of %.0f tokens, %d worker%@: %.1f texts/s",
                    texts.count,
                    mean,
                    workers,
                    workers == 1 ? "" : "s",
                    Double(texts.count) / elapsed
                )
            )
        }
    }
    var latencies: [Double] = []
    for query in queries + queries {
        let start = clock.now
        _ = probe.embedSynchronously([query])
        latencies.append(seconds(clock.now - start) * 1000)
    }
    latencies.sort()
    // Concurrent queries embedded together (the daemon's coalescing): the weights are read
    // once per call, so a call of several short queries costs far less than as many calls.
    for size in [1, 2, 4, 8, 16, 32] {
        let groups = stride(from: 0, to: queries.count - size + 1, by: size).map { Array(queries[$0..<($0 + size)]) }
        let start = clock.now
        for group in groups + groups { _ = probe.embedSynchronously(group) }
        let elapsed = seconds(clock.now - start) * 1000 / Double(2 * groups.count)
        say(
            String(
                format:
                    "query embedding, %2d queries a call: %.2f ms a call, %.2f ms a query, %.0f queries/s on one core",
                size,
                elapsed,
                elapsed / Double(size),
                1000 * Double(size) / elapsed
            )
        )
    }
    let tokens = Double(queries.reduce(0) { $0 + probe.tokenizer.tokenize($1).count }) / Double(queries.count)
    say(
        String(
            format: "query embedding: %d queries of %.1f tokens: p50 %.2f ms, p99 %.2f ms",
            latencies.count,
            tokens,
            percentile(latencies, 0.5),
            percentile(latencies, 0.99)
        )
    )
}

/// `query<TAB>imdb_id[,imdb_id…]` lines (`#` comments): any of the listed titles answers.
func readQualityQueries(_ path: String) throws -> [(query: String, imdbIDs: [String])] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
        guard !line.hasPrefix("#") else { return nil }
        let parts = line.split(separator: "\t").map(String.init)
        return parts.count == 2 ? (parts[0], parts[1].split(separator: ",").map(String.init)) : nil
    }
}

/// Builds the sample catalog with embeddings (cached in `cacheDirectory`), then reports hit@10
/// and MRR of each ranking mode on the descriptive queries, and hybrid latency end to end.
func measureQuality(
    samples: String,
    queriesFile: String,
    embedder: BertEmbedder,
    cacheDirectory: String,
    logger: Logger
) async throws -> (snapshot: Snapshot, vectors: [String: [Float]]) {
    try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
    let store = try StagingStore(path: cacheDirectory + "/staging.sqlite")
    for (file, source) in [("catalog.jsonl.zst", "wikidata"), ("offers.jsonl.zst", "offers")] {
        _ = try CatalogImporter(source: source, logger: logger).importFile(samples + "/" + file, into: store)
    }
    let build = try await SnapshotBuilder(embedder: embedder, logger: logger).build(
        from: store,
        into: SnapshotDirectory(path: cacheDirectory + "/snapshots")
    )
    say(
        String(
            format: "sample build with embeddings: %d titles, embed %.1f s (%d computed, %d cached), total %.1f s",
            build.titles,
            build.phases["embed"] ?? 0,
            build.embeddings?.computed ?? 0,
            build.embeddings?.cached ?? 0,
            build.seconds
        )
    )
    let snapshot = try Snapshot(path: build.path)
    let engine = SearchEngine(snapshot: snapshot)
    var docByIMDb: [String: UInt32] = [:]
    for doc in 0..<UInt32(snapshot.documentCount) {
        if let imdb = try snapshot.title(doc).externalIDs.imdb { docByIMDb[imdb] = doc }
    }
    let queries = try readQualityQueries(queriesFile)
    let vectors = embedder.embedSynchronously(queries.map(\.query))
    var ranks: [SearchMode: [Int?]] = [:]
    for mode in SearchMode.allCases {
        var hits = 0
        var reciprocalRanks = 0.0
        for ((text, imdbIDs), vector) in zip(queries, vectors) {
            var query = SearchQuery(text: text, limit: 10)
            query.mode = mode
            query.vector = vector
            let ranked = try engine.search(query).hits.map(\.document)
            let expected = Set(imdbIDs.compactMap { docByIMDb[$0] })
            let rank = ranked.firstIndex { expected.contains($0) }
            ranks[mode, default: []].append(rank.map { $0 + 1 })
            if let rank {
                hits += 1
                reciprocalRanks += 1 / Double(rank + 1)
            }
        }
        say(
            String(
                format: "quality, %d queries, %@: hit@10 %.3f, MRR %.3f",
                queries.count,
                mode.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                Double(hits) / Double(queries.count),
                reciprocalRanks / Double(queries.count)
            )
        )
    }
    // Queries some mode does not rank first, with each mode's rank (- = not in the top 10).
    for (index, (text, _)) in queries.enumerated() {
        let row = SearchMode.allCases.map { ranks[$0]![index] }
        guard row.contains(where: { $0 != 1 }) else { continue }
        let shown = zip(SearchMode.allCases, row).map { "\($0.rawValue) \($1.map(String.init) ?? "-")" }
        say("  rank \(shown.joined(separator: ", ")): \(text)")
    }
    var byTitleID: [String: [Float]] = [:]
    for doc in 0..<snapshot.documentCount {
        byTitleID[snapshot.id(ofDocument: UInt32(doc))] = snapshot.vectors!.vector(doc)
    }
    return (snapshot, byTitleID)
}

/// Scales the sample to `count` titles whose vectors are the sample's real ones blended and
/// with noise,
/// then measures exact and graph vector search, graph recall@10, and hybrid latency with real
/// query embeddings.
func measureVectorSearch(
    count: Int,
    sample: Snapshot,
    sampleVectors: [String: [Float]],
    queries: [String],
    embedder: BertEmbedder,
    directory: String?,
    export: String? = nil,
    graphRebuild: Bool = false,
    graph: (neighbors: Int, efConstruction: Int?) = (16, nil)
) throws {
    var graphWriter = SnapshotWriter(graphThreshold: 0)
    graphWriter.graphNeighbors = graph.neighbors
    graphWriter.graphEfConstruction = graph.efConstruction
    let clock = ContinuousClock()
    var generator = SplitMix64(seed: 7)
    func noise() -> Float { Float(generator.next() % 20_001) / 10_000 - 1 }
    var titles: [CanonicalTitle] = []
    var vectors: [String: [Float]] = [:]
    titles.reserveCapacity(count)
    vectors.reserveCapacity(count)
    let base = try (0..<sample.documentCount).map { try sample.title(UInt32($0)) }
    for index in 0..<count {
        var title = base[index % base.count]
        let copy = index / base.count
        let vector = sampleVectors[title.id]!
        if copy > 0 {
            title.id = String(format: "mgb%010d", index)
            title.title += " \(word(copy))"
        }
        // Copies blend in half of another random title's vector, then noise: 333 noisy copies
        // of one vector (the first cut) made near-ties of every top 10, which no index can
        // reproduce and no real catalog has.
        let other = copy > 0 ? sampleVectors[base[Int(generator.next() % UInt64(base.count))].id]! : vector
        let noisy = zip(vector, other).map { $0 + (copy > 0 ? 0.5 * $1 : 0) + 0.04 * noise() }
        let length = noisy.reduce(0) { $0 + $1 * $1 }.squareRoot()
        vectors[title.id] = noisy.map { $0 / length }
        titles.append(title)
    }
    // Building the graph for a million titles takes minutes: keep the file in `directory`
    // (when given) and reuse it on the next run.
    let path =
        (directory ?? FileManager.default.temporaryDirectory.path)
        + "/bench-vectors-\(count)-m\(graph.neighbors)-efc\(graphWriter.efConstruction(titles: count)).mgws"
    defer { if directory == nil { try? FileManager.default.removeItem(atPath: path) } }
    let embedded = EmbeddedVectors(modelID: embedder.modelID, dimension: embedder.dimension, byTitleID: vectors)
    if let export {
        // The same vectors for a peer index, in title order, and the time of everything but the
        // graph: the snapshot written below with the graph, less this, is the graph's build.
        try exportVectors(titles.map { vectors[$0.id]! }, to: export + "/vectors-\(count).f32")
        try exportVectors(embedder.embedSynchronously(queries), to: export + "/queries.f32")
        let start = clock.now
        _ = try SnapshotWriter(graphThreshold: Int.max).makeSnapshot(
            titles: titles,
            sourceCounts: ["bench": count],
            aliases: [:],
            vectors: embedded
        )
        say(
            String(
                format: "%d titles: snapshot with vectors, no graph, made in %.1f s",
                count,
                seconds(clock.now - start)
            )
        )
    }
    if export != nil || !FileManager.default.fileExists(atPath: path) {
        let start = clock.now
        let bytes = try graphWriter.makeSnapshot(
            titles: titles,
            sourceCounts: ["bench": count],
            aliases: [:],
            vectors: embedded
        )
        try bytes.write(to: URL(fileURLWithPath: path))
        say(
            String(
                format: "%d titles: snapshot with vectors and HNSW graph written in %.1f s (%d bytes)",
                count,
                seconds(clock.now - start),
                bytes.count
            )
        )
    }
    if graphRebuild {
        try measureGraphRebuild(
            titles: titles,
            vectors: vectors,
            previous: try Snapshot(path: path),
            queries: embedder.embedSynchronously(queries),
            modelID: embedder.modelID,
            writer: graphWriter
        )
    }
    vectors = [:]
    titles = []
    let snapshot = try Snapshot(path: path)
    let engine = SearchEngine(snapshot: snapshot)
    let search = engine.vectorSearch!
    var start = clock.now
    let queryVectors = embedder.embedSynchronously(queries)
    var exactTimes: [Double] = []
    var exactResults: [Set<UInt32>] = []
    for vector in queryVectors + queryVectors {
        start = clock.now
        exactResults.append(Set(search.exactNearest(to: vector, k: 10).map(\.doc)))
        exactTimes.append(seconds(clock.now - start) * 1000)
    }
    exactTimes.sort()
    say(
        String(
            format: "%d titles: exact vector search p50 %.2f ms, p99 %.2f ms",
            count,
            percentile(exactTimes, 0.5),
            percentile(exactTimes, 0.99)
        )
    )
    for ef in [64, 128, 200, 400, 800, 1600] {
        var graphSearch = search
        graphSearch.efSearch = ef
        var graphTimes: [Double] = []
        var found = 0
        for (vector, exact) in zip(queryVectors + queryVectors, exactResults) {
            start = clock.now
            let graph = graphSearch.nearest(to: vector, k: 10)
            graphTimes.append(seconds(clock.now - start) * 1000)
            found += exact.intersection(graph.map(\.doc)).count
        }
        graphTimes.sort()
        say(
            String(
                format: "%d titles: graph vector search ef %d%@: p50 %.3f ms, p99 %.3f ms, recall@10 %.3f",
                count,
                ef,
                ef == search.efSearch ? " (default)" : "",
                percentile(graphTimes, 0.5),
                percentile(graphTimes, 0.99),
                Double(found) / Double(10 * exactResults.count)
            )
        )
    }
    var hybridTimes: [Double] = []
    for text in queries + queries {
        start = clock.now
        var query = SearchQuery(text: text, limit: 10)
        query.vector = embedder.embedSynchronously([text])[0]
        let results = try engine.search(query)
        for hit in results.hits { _ = try snapshot.title(hit.document) }
        hybridTimes.append(seconds(clock.now - start) * 1000)
    }
    hybridTimes.sort()
    say(
        String(
            format:
                "%d titles: hybrid query end to end (embed + lexical + graph + fusion + titles): p50 %.2f ms, p99 %.2f ms",
            count,
            percentile(hybridTimes, 0.5),
            percentile(hybridTimes, 0.99)
        )
    )
}

/// The next night's build of `titles`: 1 % of the vectors changed, 0.25 % of the titles gone and
/// 0.25 % new. Times its vector graph built from `previous`'s and from scratch (each write less
/// the same write without a graph) and compares the two graphs' recall@10 at the default ef.
func measureGraphRebuild(
    titles: [CanonicalTitle],
    vectors: [String: [Float]],
    previous: Snapshot,
    queries: [[Float]],
    modelID: String,
    writer graphWriter: SnapshotWriter
) throws {
    let clock = ContinuousClock()
    var generator = SplitMix64(seed: 13)
    func noisy(_ vector: [Float]) -> [Float] {
        let changed = vector.map { $0 + 0.08 * (Float(generator.next() % 20_001) / 10_000 - 1) }
        let length = changed.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return changed.map { $0 / length }
    }
    var next: [CanonicalTitle] = []
    var nextVectors: [String: [Float]] = [:]
    var (changed, gone, added) = (0, 0, 0)
    for (index, title) in titles.enumerated() {
        guard index % 400 != 0 else {
            gone += 1
            continue
        }
        next.append(title)
        let vector = vectors[title.id]!
        if index % 100 == 1 { changed += 1 }
        nextVectors[title.id] = index % 100 == 1 ? noisy(vector) : vector
    }
    for index in stride(from: 7, to: titles.count, by: 400) {
        var title = titles[index]
        title.id = String(format: "mgc%010d", index)
        added += 1
        next.append(title)
        nextVectors[title.id] = noisy(vectors[titles[index].id]!)
    }
    let embedded = EmbeddedVectors(modelID: modelID, dimension: queries.first?.count ?? 0, byTitleID: nextVectors)
    /// The process's CPU time so far, user and system, in seconds.
    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
    func write(
        _ writer: SnapshotWriter,
        previous: Snapshot? = nil
    ) throws -> (seconds: Double, cpu: Double, snapshot: Snapshot) {
        let (start, cpuStart) = (clock.now, cpuSeconds())
        let bytes = try writer.makeSnapshot(
            titles: next,
            sourceCounts: ["bench": next.count],
            aliases: [:],
            vectors: embedded,
            previous: previous
        )
        let (elapsed, cpu) = (seconds(clock.now - start), cpuSeconds() - cpuStart)
        let path = FileManager.default.temporaryDirectory.path + "/bench-rebuild-\(UUID()).mgws"
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (elapsed, cpu, try Snapshot(path: path))
    }
    let plainWrite = try write(SnapshotWriter(graphThreshold: Int.max))
    let plain = plainWrite.seconds
    let reused = try write(graphWriter, previous: previous)
    let fresh = try write(graphWriter)
    func recall(_ snapshot: Snapshot) -> Double {
        let search = VectorSearch(snapshot: snapshot)!
        var found = 0
        for query in queries {
            let exact = Set(search.exactNearest(to: query, k: 10).map(\.doc))
            found += exact.intersection(search.nearest(to: query, k: 10).map(\.doc)).count
        }
        return Double(found) / Double(10 * max(queries.count, 1))
    }
    let kept = reused.snapshot.metadata.embedding?.graph?.reusedNodes ?? 0
    say(
        String(
            format:
                "%d titles, next night (%d vectors changed, %d titles gone, %d new): graph from the previous one's "
                + "%.1f s (%d nodes kept), recall@10 %.3f; from scratch %.1f s (%.1f s of CPU), recall@10 %.3f",
            next.count,
            changed,
            gone,
            added,
            reused.seconds - plain,
            kept,
            recall(reused.snapshot),
            fresh.seconds - plain,
            fresh.cpu - plainWrite.cpu,
            recall(fresh.snapshot)
        )
    )
}

/// Writes vectors as consecutive little-endian float32 rows, the form a peer index reads.
func exportVectors(_ vectors: [[Float]], to path: String) throws {
    var bytes = Data(capacity: vectors.count * (vectors.first?.count ?? 0) * 4)
    for vector in vectors {
        vector.withUnsafeBufferPointer { bytes.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    }
    try bytes.write(to: URL(fileURLWithPath: path))
}
