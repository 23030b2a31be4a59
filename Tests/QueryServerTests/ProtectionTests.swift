import Embeddings
import Foundation
import MediaModel
@testable import QueryServer
import Snapshots
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An embedder whose every call holds its thread, as a busy model would.
struct BlockingEmbedder: Embedder {
    var modelID = "test-model"
    var dimension = 3
    var seconds: Double
    /// Counts the calls that have entered the model, so a test can wait for one to hold it.
    let entered = EnteredCalls()
    /// When set, a call holds until the test opens it (or `seconds` pass), not a fixed time.
    var gate: DispatchSemaphore? = nil

    func embed(_ texts: [String]) async throws -> [[Float]] {
        entered.add()
        hold()
        return texts.map { _ in [1, 0, 0] }
    }

    private func hold() {
        if let gate {
            _ = gate.wait(timeout: .now() + seconds)
            gate.signal()
        } else {
            usleep(useconds_t(seconds * 1_000_000))
        }
    }
}

final class EnteredCalls: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }

    /// Waits, up to `seconds`, until at least one call has entered.
    func awaitFirst(seconds: Double = 10) async throws {
        let end = Date().addingTimeInterval(seconds)
        while value == 0 && Date() < end { try await Task.sleep(for: .milliseconds(5)) }
    }
}

/// The daemon protects itself: search runs off the threads that answer liveness, overload is a
/// prompt 503, idle and half-open connections are closed, and open connections are capped.
@Suite(.serialized) struct ProtectionTests {
    static func directory() throws -> SnapshotDirectory {
        try publishedDirectory(SemanticRoutesTests.titles, vectors: SemanticRoutesTests.vectors)
    }

    /// Under 32 connections of hybrid search, `/healthz` once took 0.8 s: searches held every
    /// thread of the cooperative pool. Here model calls hold both search threads until the test
    /// opens them, and `/healthz` must answer in the meantime. A check of cause, not of time:
    /// a bound of 1 s failed once (1.37 s) only because the whole suite shared the two cores.
    @Test func healthzAnswersWhileSearchesHoldEveryWorker() async throws {
        let model = BlockingEmbedder(seconds: 60, gate: DispatchSemaphore(value: 0))
        try await withServer(
            try Self.directory(),
            embedder: model,
            configure: {
                $0.searchThreads = 2
                $0.embeddingLanes = 2
            }
        ) { _, base in
            let load = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<8 {
                        group.addTask { try await get(base, "/v1/search?q=alien+\(index)&mode=hybrid").status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            let end = ContinuousClock.now + .seconds(30)
            while model.entered.value < 2 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
            #expect(model.entered.value == 2, "both search threads should be held by the model")
            // A session of its own (the shared one queues requests behind its busy connections),
            // run from a thread of its own (other tests may hold the cooperative pool).
            let probe = URLSession(configuration: .ephemeral)
            let probeThread = WorkerThreads(count: 1, name: "healthz-probe")
            defer { probeThread.stop() }
            do {
                try await withTaskExecutorPreference(probeThread) {
                    for _ in 0..<5 {
                        var request = URLRequest(url: URL(string: base.absoluteString + "/healthz")!)
                        request.timeoutInterval = 30
                        let (_, response) = try await probe.data(for: request)
                        #expect((response as? HTTPURLResponse)?.statusCode == 200)
                    }
                }
            } catch {
                Issue.record("healthz did not answer while the searches held the model: \(error)")
            }
            // Still held: every answer came while both search threads were busy.
            #expect(model.entered.value == 2)
            model.gate?.signal()
            // The searches that waited past the 2 s deadline are 503s; the two held ones 200.
            let statuses = try await load.value
            #expect(statuses.allSatisfy { [200, 503].contains($0) }, "\(statuses)")
        }
    }

    /// Hybrid searches that arrive while the model is busy are embedded in one call: the first
    /// holds the model, the four sent meanwhile wait and go into the next call together. (Four:
    /// the shared URL session opens at most six connections to one host.)
    @Test func concurrentHybridSearchesShareModelCalls() async throws {
        let model = BlockingEmbedder(seconds: 30, gate: DispatchSemaphore(value: 0))
        try await withServer(
            try Self.directory(),
            embedder: model,
            configure: {
                $0.searchThreads = 2
                $0.searchDeadline = .seconds(30)
            }
        ) { server, base in
            let coalescing = try #require(server.embedder as? CoalescingEmbedder)
            let first = Task { try await get(base, "/v1/search?q=alien+0&mode=hybrid").status }
            try await model.entered.awaitFirst()
            let rest = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 1..<5 {
                        group.addTask { try await get(base, "/v1/search?q=alien+\(index)&mode=hybrid").status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            let end = ContinuousClock.now + .seconds(20)
            while coalescing.counts.waiting < 4 && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(5))
            }
            model.gate?.signal()
            #expect(try await first.value == 200)
            #expect(try await rest.value == Array(repeating: 200, count: 4))
            let metrics = server.metrics.render()
            #expect(metrics.contains("mediagw_query_embedding_texts_total 5"), "\(metrics)")
            #expect(metrics.contains("mediagw_query_embedding_calls_total 2"), "\(metrics)")
        }
    }

    @Test func aFullQueueIsA503WithRetryAfterAndARequestID() async throws {
        try await withServer(
            try Self.directory(),
            embedder: BlockingEmbedder(seconds: 1),
            configure: {
                $0.searchThreads = 1
                $0.searchQueueLimit = 1
            }
        ) { server, base in
            let answers = try await withThrowingTaskGroup(of: (Int, String?, String?, String?).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let (data, response) = try await URLSession.shared.data(
                            from: URL(string: base.absoluteString + "/v1/search?q=alien")!
                        )
                        let http = response as! HTTPURLResponse
                        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                        return (
                            http.statusCode, http.value(forHTTPHeaderField: "Retry-After"), json["detail"] as? String,
                            json["requestId"] as? String
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let refused = answers.filter { $0.0 == 503 }
            #expect(answers.filter { $0.0 == 200 }.count >= 1)
            #expect(refused.count >= 3, "\(answers.map(\.0))")
            for (_, retryAfter, detail, requestID) in refused {
                #expect(retryAfter == "1")
                #expect(detail?.contains("busy") == true)
                #expect(requestID?.isEmpty == false)
            }
            #expect(server.metrics.render().contains(#"mediagw_search_rejected_total{reason="queue_full"}"#))
        }
    }

    @Test func aSearchThatWaitedPastItsDeadlineIsRefused() async throws {
        // The first search holds the model until the others have been refused. Sent
        // together, all three could be taken into one model call and answered in time.
        let model = BlockingEmbedder(seconds: 30, gate: DispatchSemaphore(value: 0))
        try await withServer(
            try Self.directory(),
            embedder: model,
            configure: {
                $0.searchThreads = 1
                $0.searchDeadline = .milliseconds(300)
            }
        ) { server, base in
            let first = Task { try await get(base, "/v1/search?q=alien").status }
            try await model.entered.awaitFirst()
            let waiting = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 { group.addTask { try await get(base, "/v1/search?q=alien").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            model.gate?.signal()
            #expect(model.entered.value == 1)
            #expect(try await first.value == 200)
            #expect(waiting == [503, 503])
            #expect(server.metrics.render().contains(#"mediagw_search_rejected_total{reason="deadline"}"#))
        }
    }

    @Test func everyErrorIsAProblemWithTheRequestID() async throws {
        try await withServer(try Self.directory()) { _, base in
            var request = URLRequest(url: URL(string: base.absoluteString + "/v1/search?q=x&limit=0")!)
            request.setValue("probe-42", forHTTPHeaderField: "X-Request-Id")
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as! HTTPURLResponse
            #expect(http.statusCode == 400)
            #expect(http.value(forHTTPHeaderField: "X-Request-Id") == "probe-42")
            #expect(http.value(forHTTPHeaderField: "Content-Type") == "application/problem+json")
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect(json?["requestId"] as? String == "probe-42")

            let missing = try await get(base, "/v2/nothing")
            #expect(missing.status == 404)
            #expect((missing.json["requestId"] as? String)?.count == 16)
            let fine = try await URLSession.shared.data(from: URL(string: base.absoluteString + "/healthz")!)
            #expect((fine.1 as! HTTPURLResponse).value(forHTTPHeaderField: "X-Request-Id")?.count == 16)
        }
    }

    /// Rules a schema cannot state between two parameters are not rules: no text and no filter
    /// browses every title, and a reversed year range matches nothing.
    @Test func schemaValidRequestsAreAccepted() async throws {
        try await withServer(try Self.directory()) { _, base in
            let browse = try await get(base, "/v1/search?limit=2")
            #expect(browse.status == 200)
            #expect(browse.json["total"] as? Int == SemanticRoutesTests.titles.count)
            let reversed = try await get(base, "/v1/search?q=alien&year_from=2000&year_to=1990")
            #expect(reversed.status == 200 && reversed.json["total"] as? Int == 0)
        }
    }

    /// An error from the embedder (or the reader, or a bug) is a problem with a request id, and
    /// the log has the error under that id: never a framework default or a Swift dump.
    @Test func aThrowingEmbedderIsAProblem500WithARequestID() async throws {
        struct Broken: Embedder {
            struct Failure: Error {}
            var modelID = "test-model"
            var dimension = 3
            func embed(_ texts: [String]) async throws -> [[Float]] { throw Failure() }
        }
        try await withServer(try Self.directory(), embedder: Broken()) { _, base in
            let response = try await get(base, "/v1/search?q=alien")
            #expect(response.status == 500)
            let id = try #require(response.json["requestId"] as? String)
            #expect((response.json["detail"] as? String) == "internal error; the log has it under request id \(id)")
            #expect(!response.text.contains("Failure"))
        }
    }

    /// The next page of a hybrid search embeds nothing: the vector is remembered, and
    /// `/metrics` counts the hit and the miss.
    @Test func aRepeatedHybridQueryIsEmbeddedOnceAndCounted() async throws {
        let model = BlockingEmbedder(seconds: 0)
        try await withServer(try Self.directory(), embedder: model, configure: { $0.queryCache = 16 }) {
            server,
            base in
            let recent = try #require(server.embedder as? RecentEmbeddings)
            let first = try await get(base, "/v1/search?q=alien&mode=hybrid&limit=1")
            let next = try await get(base, "/v1/search?q=alien&mode=hybrid&limit=1&offset=1")
            #expect(first.status == 200 && next.status == 200)
            #expect(first.json["mode"] as? String == "hybrid")
            #expect(recent.counts.hits == 1 && recent.counts.misses == 1)
            let metrics = server.metrics.render()
            #expect(metrics.contains(#"mediagw_query_vectors_total{result="hit"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"mediagw_query_vectors_total{result="miss"} 1"#))
            // A scrape reports what happened since the last one, so the totals stay true.
            _ = try await get(base, "/v1/search?q=alien&mode=hybrid&limit=1&offset=2")
            #expect(server.metrics.render().contains(#"mediagw_query_vectors_total{result="hit"} 2"#))
        }
    }

    @Test func aBadValueNamesTheAllowedOnes() async throws {
        try await withServer(try Self.directory()) { _, base in
            let response = try await get(base, "/v1/search?q=x&genre=scifi")
            #expect(response.status == 400)
            #expect((response.json["detail"] as? String)?.contains("one of: action, adventure") == true)
        }
    }

    @Test func anotherMethodOnAKnownRouteIsA405() async throws {
        try await withServer(try Self.directory()) { _, base in
            for (method, path) in [("POST", "/v1/search"), ("TRACE", "/healthz"), ("DELETE", "/v1/titles/mg01")] {
                var request = URLRequest(url: URL(string: base.absoluteString + path)!)
                request.httpMethod = method
                let (_, response) = try await URLSession.shared.data(for: request)
                let http = response as! HTTPURLResponse
                #expect(http.statusCode == 405, "\(method) \(path)")
                #expect(http.value(forHTTPHeaderField: "Allow") == "GET")
            }
        }
    }

    /// About 20,000 clients that sent half a header and stopped once used up the daemon's file
    /// descriptors. Here 2,000 do so against a cap of 50 and an idle timeout of 0.2 s.
    @Test func halfOpenConnectionsAreCappedAndClosed() async throws {
        try await withServer(
            try Self.directory(),
            configure: {
                $0.maximumConnections = 50
                $0.idleTimeout = .milliseconds(200)
            }
        ) { server, base in
            let port = UInt16(base.port!)
            var sockets: [Int32] = []
            defer { for socket in sockets { close(socket) } }
            for _ in 0..<2_000 {
                let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard socket >= 0 else { break }
                _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                sockets.append(socket)
            }
            #expect(sockets.count == 2_000)
            // Half a request on every socket that has connected, a few times over 2 s, watching the cap.
            let partial = Array("GET /healthz HTTP/1.1\r\nHo".utf8)
            var peak = 0.0
            for _ in 0..<10 {
                for socket in sockets { _ = send(socket, partial, partial.count, Int32(MSG_NOSIGNAL)) }
                try await Task.sleep(for: .milliseconds(200))
                peak = max(peak, Self.gauge("mediagw_http_connections", in: server.metrics.render()))
            }
            #expect(peak <= 50, "open connections peaked at \(peak)")
            #expect(server.metrics.render().contains("mediagw_connection_limit_reached_total"))
            #expect(Self.gauge("mediagw_connection_limit_reached_total", in: server.metrics.render()) >= 1)
            // The server closed the first half-open connections on its own (read sees end of file).
            var closedByServer = 0
            for socket in sockets.prefix(40) {
                var byte: UInt8 = 0
                if recv(socket, &byte, 1, Int32(MSG_DONTWAIT)) == 0 { closedByServer += 1 }
            }
            #expect(closedByServer >= 30, "\(closedByServer) of 40 closed by the server")
            // With every one of them still open on this side, a new client is still served.
            #expect(try await eventually { (try? await get(base, "/healthz").status) == 200 })
        }
    }

    static func gauge(_ name: String, in text: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            ?? -1
    }
}
