import Compression
import Connectors
import Foundation
import Jobs
import Logging
import MediaModel
import ProviderSimulator
import Resolution
import Staging

#if canImport(Glibc)
    import Glibc
#endif

/// Pairwise precision, recall and F1 of "same title" decisions, and resolution throughput.
///
/// - The provider simulator's ground truth: its four providers' listings ingested as a real run
///   would, resolved, compared with the truth (with the providers' ids, and with every id removed).
/// - The bundled Wikidata films perturbed the way providers differ ("&"/"and", articles moved,
///   subtitles, spelling, years off by one for ~2%, other directors for ~10%, runtimes a few
///   minutes off for ~45%, translated titles), in two or three sources each, with ids kept for
///   most records or removed entirely.
/// - Throughput: N generated records resolved from scratch, with time and peak memory.
func runResolutionBenchmarks(titles: Int, throughput: [Int], samples: String, logger: Logger) async throws {
    let resolvers: [(String, any TitleResolver)] = [("key-match", KeyMatchResolver()), ("scoring", ScoringResolver())]
    let simulated = try await simulatorRecords(titles: titles, logger: logger)
    say("simulator, \(titles) titles: \(simulated.records.count) records in the truth")
    for (name, resolver) in resolvers {
        for stripped in [false, true] {
            let records = stripped ? simulated.records.map(strippingIDs) : simulated.records
            let quality = pairwise(resolver.resolve(records, identity: IdentityMap()), truth: simulated.truth)
            say("  \(name), \(stripped ? "no ids   " : "with ids "): \(quality)")
        }
    }
    let films = try loadSample(samples).filter { $0.source == "wikidata" }
    for idShare in [0.8, 0.0] {
        let (records, truth) = perturbed(films, idShare: idShare)
        say("wikidata films perturbed, \(Int(idShare * 100))% of records with ids: \(records.count) records")
        for (name, resolver) in resolvers {
            let quality = pairwise(resolver.resolve(records, identity: IdentityMap()), truth: truth)
            say("  \(name): \(quality)")
        }
    }
    for count in throughput {
        let records = generatedRecords(count: count, films: films)
        let clock = ContinuousClock()
        let start = clock.now
        let catalog = ScoringResolver().resolve(records, identity: IdentityMap())
        let elapsed = seconds(clock.now - start)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        say(
            String(
                format: "resolve %d records from scratch: %.1f s (%.0f records/s), %d titles, peak RSS %.0f MB",
                records.count,
                elapsed,
                Double(records.count) / elapsed,
                catalog.titles.count,
                Double(usage.ru_maxrss) / 1024
            )
        )
        // A later run: 1 % of the records changed, matched again with their neighbours only.
        var next = records
        var random = SplitMix64(seed: 3)
        var changed = Set<String>()
        for index in stride(from: 0, to: next.count, by: 100) {
            next[index] = perturb(next[index], &random)
            changed.insert(next[index].key)
        }
        let again = clock.now
        let outcome = ScoringResolver().resolve(next, identity: catalog.identity, changed: changed)
        let incremental = seconds(clock.now - again)
        say(
            String(
                format: "  then %d changed records: %.1f s incremental (%d records matched again), %d titles",
                changed.count,
                incremental,
                outcome.reresolved,
                outcome.catalog.titles.count
            )
        )
    }
}

/// Two real catalogues made independently (Benchmarks/resolution/make-cross-source.py), matched
/// with all ids removed and with 70 % of records keeping theirs; true pairs share an IMDb id.
/// Prints precision, recall and F1, and what the missed pairs have in common.
func runCrossSourceResolution(_ directory: String) throws {
    var records: [SourceRecord] = []
    for source in ["wikidata", "movielens", "imdb5000"]
    where FileManager.default.fileExists(atPath: "\(directory)/\(source).jsonl") {
        let reader = try LineReader(path: "\(directory)/\(source).jsonl")
        let decoder = SourceRecordDecoder(source: source)
        while let line = try reader.readLine() {
            if case .record(let record, _) = decoder.decode(line) { records.append(record) }
        }
    }
    var truth: [String: String] = [:]
    let reader = try LineReader(path: "\(directory)/truth.tsv")
    while let line = try reader.readLine() {
        let fields = String(decoding: line, as: UTF8.self).split(separator: "\t").map(String.init)
        if fields.count == 2 && !fields[0].hasPrefix("#") { truth[fields[0]] = fields[1] }
    }
    say("\(directory): \(records.count) records, \(truth.count) in the truth")
    for idShare in [0.7, 0.0] {
        var random = SplitMix64(seed: 7)
        let stripped = records.map { random.chance(idShare) ? $0 : strippingIDs($0) }
        for (name, resolver) in [
            ("key-match", KeyMatchResolver() as any TitleResolver), ("scoring", ScoringResolver()),
        ] {
            let catalog = resolver.resolve(stripped, identity: IdentityMap())
            say("  \(name), \(Int(idShare * 100))% of records with ids: \(pairwise(catalog, truth: truth))")
            guard name == "scoring" else { continue }
            // What `resolve review` would list: how many of those pairs are one film.
            let known = catalog.review.filter { truth[$0.a] != nil && truth[$0.b] != nil }
            let real = known.filter { truth[$0.a] == truth[$0.b] }.count
            say("    review: \(catalog.review.count) pairs, \(real) of \(known.count) in the truth one film")
            guard idShare == 0 else { continue }
            // The pairs it missed, by what differs.
            var clusterOf: [String: String] = [:]
            for title in catalog.titles { for member in title.members { clusterOf[member] = title.id } }
            var bySource: [String: [SourceRecord]] = [:]
            for record in records { bySource[truth[record.key] ?? "", default: []].append(record) }
            var classes: [String: Int] = [:]
            var examples: [String: [String]] = [:]
            for (_, film) in bySource.sorted(by: { $0.key < $1.key })
            where film.count == 2 && clusterOf[film[0].key] != clusterOf[film[1].key] {
                let sameTitle =
                    TitleNormalizer.normalize(film[0].title).tokens == TitleNormalizer.normalize(film[1].title).tokens
                let years = zip([film[0].year], [film[1].year]).map { a, b in a.flatMap { x in b.map { abs(x - $0) } } }
                let yearGap = years.first ?? nil
                let kind =
                    sameTitle
                    ? (yearGap == 0
                        ? "same title and year" : "same title, year \(yearGap.map(String.init) ?? "missing") apart")
                    : (yearGap == 0 ? "title differs, same year" : "title and year differ")
                classes[kind, default: 0] += 1
                if examples[kind, default: []].count < 6 {
                    examples[kind, default: []].append(film.map(sketch).joined(separator: " / "))
                }
            }
            for (kind, count) in classes.sorted(by: { $0.value > $1.value }) {
                say("    missed: \(count) \(kind)")
                for example in examples[kind] ?? [] { say("      \(example)") }
            }
            // And the wrong merges: titles holding records of different films.
            let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            var wrong: [String] = []
            for title in catalog.titles {
                let films = Dictionary(grouping: title.members.filter { truth[$0] != nil }) { truth[$0]! }
                guard films.count > 1 else { continue }
                wrong.append(
                    films.values.compactMap { $0.first.flatMap { byKey[$0] } }.map(sketch).joined(separator: " / ")
                )
            }
            say("    wrong merges: \(wrong.count) titles")
            for line in wrong.sorted().prefix(20) { say("      \(line)") }
        }
    }
}

/// `Title (year, runtime) dir. A; cast B, C` for a missed pair's line.
private func sketch(_ record: SourceRecord) -> String {
    let facts = [record.year.map(String.init), record.runtimeMinutes.map { "\($0) min" }].compactMap { $0 }
    var text = "\(record.title) (\(facts.joined(separator: ", ")))"
    if let directors = record.directors, !directors.isEmpty { text += " dir. " + directors.joined(separator: ", ") }
    if let cast = record.cast, !cast.isEmpty { text += "; cast " + cast.prefix(3).joined(separator: ", ") }
    return text
}

struct PairQuality: CustomStringConvertible {
    var truePairs: Int
    var predictedPairs: Int
    var correct: Int
    var precision: Double { predictedPairs == 0 ? 1 : Double(correct) / Double(predictedPairs) }
    var recall: Double { truePairs == 0 ? 1 : Double(correct) / Double(truePairs) }
    var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    var description: String {
        String(
            format: "precision %.4f, recall %.4f, F1 %.4f (%d true pairs, %d predicted)",
            precision,
            recall,
            f1,
            truePairs,
            predictedPairs
        )
    }
}

/// Pairwise quality over the records the truth knows (source key → true cluster).
func pairwise(_ catalog: ResolvedCatalog, truth: [String: String]) -> PairQuality {
    func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
    var predicted: [String: [String]] = [:]
    for title in catalog.titles {
        let known = title.members.filter { truth[$0] != nil }
        if !known.isEmpty { predicted[title.id] = known }
    }
    var trueSizes: [String: Int] = [:]
    for (_, cluster) in truth { trueSizes[cluster, default: 0] += 1 }
    var quality = PairQuality(truePairs: trueSizes.values.map(pairs).reduce(0, +), predictedPairs: 0, correct: 0)
    for (_, members) in predicted {
        quality.predictedPairs += pairs(members.count)
        var overlap: [String: Int] = [:]
        for member in members { overlap[truth[member]!, default: 0] += 1 }
        quality.correct += overlap.values.map(pairs).reduce(0, +)
    }
    return quality
}

func strippingIDs(_ record: SourceRecord) -> SourceRecord {
    var copy = record
    copy.externalIDs = nil
    return copy
}

/// The simulator's Streaming Availability, Watchmode and JustWatch listings, ingested in process,
/// and its ground truth (source key → title).
func simulatorRecords(titles: Int, logger: Logger) async throws -> (records: [SourceRecord], truth: [String: String]) {
    let simulator = try ProviderSimulator(world: SimulatedWorld(count: titles, seed: 21))
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-bench-resolve-\(UUID())").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try StagingStore(path: root + "/staging.sqlite")
    let files = ProviderSimulator.connectorFiles(base: "http://127.0.0.1:9")
    for (provider, stream) in [
        ("streaming-availability", "catalog"), ("watchmode", "listing"), ("justwatch", "popular"),
    ] {
        var configuration = try ConnectorConfiguration.parse(files[provider]!, file: provider)
        configuration.limits.requestsPerSecond = 1e9
        configuration.limits.burst = 1_000_000_000
        let streams = try Connector.streams(
            for: configuration,
            transport: RecordingTransport(simulator: simulator),
            ledger: MemoryQuotaLedger(),
            logger: logger,
            environment: benchmarkKeys
        ).filter { $0.name == stream }
        _ = try await IngestRunner(store: store, job: "bench", logger: logger).run(streams)
    }
    var truth: [String: String] = [:]
    for line in String(decoding: simulator.world.groundTruth(), as: UTF8.self).split(separator: "\n") {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let title = object["title"] as? String, let members = object["records"] as? [String]
        else { continue }
        for member in members { truth[member] = title }
    }
    let records = try store.liveRecords().filter { truth[$0.key] != nil }
    truth = truth.filter { key, _ in records.contains { $0.key == key } }
    return (records, truth)
}

/// Each film in two or three sources, perturbed as providers differ; truth is the film.
func perturbed(_ films: [SourceRecord], idShare: Double) -> (records: [SourceRecord], truth: [String: String]) {
    var random = SplitMix64(seed: 99)
    var records: [SourceRecord] = []
    var truth: [String: String] = [:]
    let sources = ["alpha", "beta", "gamma"]
    for film in films {
        let copies = random.chance(0.5) ? 3 : 2
        for source in sources.prefix(copies) {
            var copy = film
            copy.source = source
            copy.id = "\(source)-\(film.id)"
            if source != "alpha" { copy = perturb(copy, &random) }
            if !random.chance(idShare) { copy.externalIDs = nil }
            records.append(copy)
            truth[copy.key] = film.id
        }
    }
    return (records, truth)
}

func perturb(_ record: SourceRecord, _ random: inout SplitMix64) -> SourceRecord {
    var copy = record
    var title = copy.title
    if random.chance(0.3) {
        title =
            title.contains("&")
            ? title.replacingOccurrences(of: "&", with: "and") : title.replacingOccurrences(of: " and ", with: " & ")
    }
    if random.chance(0.1), title.hasPrefix("The ") { title = String(title.dropFirst(4)) + ", The" }
    if random.chance(0.1) { title = title.uppercased() }
    if random.chance(0.05) { title += " (\(record.year ?? 2000))" }
    if random.chance(0.04), let index = title.indices.dropFirst(3).randomElement(using: &random) {
        // A spelling difference: one letter dropped.
        if title[index].isLetter { title.remove(at: index) }
    }
    if random.chance(0.05) {
        // A translated title: the display title is the translation, the original is kept.
        copy.originalTitle = title
        title = "Le film \(title.split(separator: " ").last ?? "")"
    }
    copy.title = title
    if random.chance(0.02), let year = copy.year { copy.year = year + (random.chance(0.5) ? 1 : -1) }
    copy.releaseDate = nil
    if random.chance(0.1) { copy.directors = random.chance(0.5) ? nil : ["Someone Else"] }
    if random.chance(0.45), let runtime = copy.runtimeMinutes {
        copy.runtimeMinutes = max(1, runtime + Int.random(in: -5...5, using: &random))
    }
    if random.chance(0.5) { copy.cast = Array((copy.cast ?? []).shuffled(using: &random).prefix(4)) }
    if random.chance(0.3) { copy.languages = nil }
    return copy
}

/// `count` records: films from the sample and generated titles, each in four sources.
func generatedRecords(count: Int, films: [SourceRecord]) -> [SourceRecord] {
    var random = SplitMix64(seed: 7)
    var records: [SourceRecord] = []
    records.reserveCapacity(count)
    var index = 0
    while records.count < count {
        let base = films[index % films.count]
        var title = base
        if index >= films.count {
            title.title = "\(word(index)) \(word(index / 7 + 3))" + (index % 3 == 0 ? " \(word(index / 11))" : "")
            title.year = 1930 + index % 95
            title.externalIDs = random.chance(0.5) ? ExternalIDs(imdb: "tt\(10_000_000 + index)") : nil
        }
        for source in ["alpha", "beta", "gamma", "delta"] where records.count < count {
            var copy = title
            copy.source = source
            copy.id = "\(source)-\(index)"
            if source != "alpha" { copy = perturb(copy, &random) }
            records.append(copy)
        }
        index += 1
    }
    return records
}

extension SplitMix64 {
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
}
