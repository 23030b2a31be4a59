import Connectors
import Foundation
import HTTPClient
import Jobs
import Logging
import ProviderSimulator
import Staging

#if canImport(Glibc)
    import Glibc
#endif

/// Answers from an in-process simulator, recording every response so that a second pass can
/// replay them without the simulator's own cost.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    let simulator: ProviderSimulator
    private let lock = NSLock()
    private var recorded: [String: HTTPResponse] = [:]
    var responses: [String: HTTPResponse] { lock.withLock { recorded } }

    init(simulator: ProviderSimulator) {
        self.simulator = simulator
    }

    static func key(_ request: HTTPRequest) -> String {
        request.method + " " + request.url.absoluteString + String(decoding: request.body ?? Data(), as: UTF8.self)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)!
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        components.query = nil
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        let answer = simulator.handle(
            SimulatedRequest(
                method: request.method,
                path: components.path,
                query: query,
                headers: headers,
                body: request.body ?? Data()
            )
        )
        let response = HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body)
        lock.withLock { recorded[Self.key(request)] = response }
        return response
    }
}

/// Replays recorded responses: what is left is the client, parsing, mapping and staging.
struct ReplayTransport: HTTPTransport {
    let responses: [String: HTTPResponse]

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let response = responses[RecordingTransport.key(request)] else { throw URLError(.resourceUnavailable) }
        return response
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Ingest throughput per connector: over loopback HTTP against the simulator, and parsing +
/// staging alone (recorded responses replayed, CPU time per 1,000 records).
func runIngestBenchmarks(titles: Int, network: Bool, only: [String], repeats: Int, logger: Logger) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let simulator = try ProviderSimulator(world: SimulatedWorld(count: titles, seed: 5))
    say(
        String(
            format: "world: %d titles, %d videos (%.1f s)",
            titles,
            simulator.world.videos.count,
            seconds(clock.now - start)
        )
    )
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-bench-ingest-\(UUID())").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let streams = [
        ("streaming-availability", "catalog"), ("watchmode", "listing"), ("justwatch", "popular"),
        ("youtube", "uploads"),
    ].filter { only.isEmpty || only.contains("\($0.0)/\($0.1)") }
    if network { try await measureOverHTTP(simulator, streams: streams, root: root, logger: logger) }
    try await measureParsingAndStaging(simulator, streams: streams, root: root, repeats: repeats, logger: logger)
}

/// Deletes a SQLite database with its WAL and shared-memory files (dirty pages of a deleted
/// file are dropped, not written back).
func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

let benchmarkKeys = [
    "STREAMING_AVAILABILITY_API_KEY": "bench", "WATCHMODE_API_KEY": "bench", "YOUTUBE_API_KEY": "bench",
]

/// Over loopback HTTP (URLSession/libcurl to Hummingbird), the way a real run talks.
func measureOverHTTP(_ simulator: ProviderSimulator, streams: [(String, String)], root: String, logger: Logger)
    async throws
{
    let clock = ContinuousClock()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = simulator.makeApplication(logger: logger) { continuation.yield($0) }
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { return }
    let files = ProviderSimulator.connectorFiles(base: "http://127.0.0.1:\(port)")
    say("over loopback HTTP (connector files of the simulator: 500 requests/s at most):")
    for (provider, stream) in streams {
        let store = try StagingStore(path: "\(root)/http-\(provider).sqlite")
        defer { removeDatabase("\(root)/http-\(provider).sqlite") }
        let configuration = try ConnectorConfiguration.parse(files[provider]!, file: provider)
        let selected = try Connector.streams(
            for: configuration,
            ledger: StagingQuotaLedger(store: store),
            logger: logger,
            environment: benchmarkKeys
        ).filter { $0.name == stream }
        let before = simulator.requestCounts[provider] ?? 0
        let start = clock.now
        let report = try await IngestRunner(store: store, job: "bench", logger: logger).run(selected)
        let elapsed = seconds(clock.now - start)
        let requests = (simulator.requestCounts[provider] ?? 0) - before
        say(
            String(
                format:
                    "  %@/%@: %d records, %d pages, %d requests in %.1f s: %.0f records/s, %.0f pages/s, %.0f requests/s",
                provider,
                stream,
                report.counts.read,
                report.streams[0].pages,
                requests,
                elapsed,
                Double(report.counts.read) / elapsed,
                Double(report.streams[0].pages) / elapsed,
                Double(requests) / elapsed
            )
        )
    }
}

/// Records every response in process, then replays them into fresh staging without a rate
/// limit: what is measured is the client, parsing, mapping and staging.
func measureParsingAndStaging(
    _ simulator: ProviderSimulator,
    streams: [(String, String)],
    root: String,
    repeats: Int,
    logger: Logger
)
    async throws
{
    let clock = ContinuousClock()
    let files = ProviderSimulator.connectorFiles(base: "http://127.0.0.1:9")
    say("parsing + staging (recorded responses replayed: no network, no simulator, no rate limit):")
    for (provider, stream) in streams {
        var configuration = try ConnectorConfiguration.parse(files[provider]!, file: provider)
        configuration.limits.requestsPerSecond = 1e9
        configuration.limits.burst = 1_000_000_000
        let recorder = RecordingTransport(simulator: simulator)
        // Each stream's databases go once it is measured, so that no later stream is measured
        // while the kernel writes back an earlier one's pages (this did not remove the slowdown
        // of a stream measured after another: docs/benchmarks.md).
        let directory = "\(root)/\(provider)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let warm = try StagingStore(path: "\(directory)/record.sqlite")
        _ = try await IngestRunner(store: warm, job: "bench", logger: logger).run(
            try Connector.streams(
                for: configuration,
                transport: recorder,
                ledger: MemoryQuotaLedger(),
                logger: logger,
                environment: benchmarkKeys
            ).filter { $0.name == stream }
        )
        let responses = recorder.responses
        removeDatabase("\(directory)/record.sqlite")
        func replayed(ledger: any QuotaLedger = MemoryQuotaLedger()) throws -> [any IngestStream] {
            try Connector.streams(
                for: configuration,
                transport: ReplayTransport(responses: responses),
                ledger: ledger,
                logger: logger,
                environment: benchmarkKeys
            ).filter { $0.name == stream }
        }
        // MEDIAGW_BENCH_REPLAYS > 1 replays again into fresh staging first (for profiling).
        let replays = Int(ProcessInfo.processInfo.environment["MEDIAGW_BENCH_REPLAYS"] ?? "") ?? 1
        for round in 1..<max(1, replays) {
            let store = try StagingStore(path: "\(directory)/replay-\(round).sqlite")
            defer { removeDatabase("\(directory)/replay-\(round).sqlite") }
            _ = try await IngestRunner(store: store, job: "bench", logger: logger).run(try replayed())
        }
        let selected = try replayed()
        // Parsing and mapping alone: walk the stream without committing.
        var cpu = cpuSeconds()
        var cursor: String?
        var mapped = 0
        var pages: [FetchedPage] = []
        while true {
            let page = try await selected[0].next(after: cursor, window: nil)
            pages.append(page)
            mapped += page.items.count + page.rejections.count
            if page.isLast { break }
            cursor = page.cursor
        }
        let parseCPU = cpuSeconds() - cpu
        // Staging alone: the same pages prepared and committed in the runner's groups.
        let alone = try StagingStore(path: "\(directory)/commit.sqlite")
        let aloneRun = try alone.beginRun(job: "bench", kind: "bench")
        cpu = cpuSeconds()
        var group: [PreparedPage] = []
        for (index, page) in pages.enumerated() {
            var staged = StagedPage(
                source: provider,
                raw: page.payloads.first?.body ?? Data(),
                rawLocation: page.payloads.first?.location ?? "-",
                items: page.items.map { .init(record: $0.record, location: $0.location) }
            )
            staged.attachments = page.payloads.dropFirst().map {
                .init(raw: $0.body, location: $0.location, contentType: $0.contentType)
            }
            group.append(try PreparedPage(staged))
            if group.count == IngestRunner.pagesAhead || index == pages.count - 1 {
                _ = try alone.commit(group, runID: aloneRun)
                group = []
            }
        }
        let stagingCPU = cpuSeconds() - cpu
        removeDatabase("\(directory)/commit.sqlite")
        // The measured run, `repeats` times into fresh staging: this machine's run-to-run spread
        // is wide, so the median is reported with the range.
        var runs: [(records: Int, seconds: Double, cpu: Double)] = []
        for round in 0..<repeats {
            let store = try StagingStore(path: "\(directory)/measured-\(round).sqlite")
            defer { removeDatabase("\(directory)/measured-\(round).sqlite") }
            cpu = cpuSeconds()
            let start = clock.now
            // The run charges the quota ledger in staging, in blocks, as a real run does.
            let ledger = QuotaReservations(StagingQuotaLedger(store: store))
            let report = try await IngestRunner(store: store, job: "bench", logger: logger).run(
                try replayed(ledger: ledger)
            )
            try await ledger.settle()
            runs.append((report.counts.read, seconds(clock.now - start), cpuSeconds() - cpu))
        }
        let rates = runs.map { Double($0.records) / $0.seconds }.sorted()
        let median = runs.sorted { Double($0.records) / $0.seconds < Double($1.records) / $1.seconds }[runs.count / 2]
        let bytes = responses.values.reduce(0) { $0 + $1.body.count }
        say(
            String(
                format:
                    "  %@/%@: %d records (%.1f MB of responses) in %.2f s: %.0f records/s (%d runs: %.0f–%.0f); CPU %.1f ms per 1,000 records (parsing and mapping alone: %.1f ms, staging alone, in groups of %d pages: %.1f ms)",
                provider,
                stream,
                median.records,
                Double(bytes) / 1e6,
                median.seconds,
                Double(median.records) / median.seconds,
                runs.count,
                rates.first!,
                rates.last!,
                median.cpu * 1_000_000 / Double(max(1, median.records)),
                parseCPU * 1_000_000 / Double(max(1, mapped)),
                IngestRunner.pagesAhead,
                stagingCPU * 1_000_000 / Double(max(1, mapped))
            )
        )
    }
}
