import Foundation
import Hummingbird
import Logging
import TestSupport
import Synchronization
import Testing

@testable import Embeddings

/// The OpenAI-compatible backend against a real HTTP server on a loopback port.
@Suite struct HTTPEmbedderTests {
    /// What the fake service saw, and how it should answer the next requests.
    final class Service: Sendable {
        struct Seen: Sendable {
            var authorizations: [String] = []
            var batchSizes: [Int] = []
            var models: [String] = []
        }
        let seen = Mutex(Seen())
        /// Statuses to answer before succeeding (popped one per request).
        let failures: Mutex<[Int]>

        init(failures: [Int] = []) { self.failures = Mutex(failures) }

        func respond(_ request: Request) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
            let inputs = object["input"] as? [String] ?? []
            seen.withLock {
                $0.authorizations.append(request.headers[.authorization] ?? "")
                $0.batchSizes.append(inputs.count)
                $0.models.append(object["model"] as? String ?? "")
            }
            if let status = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                return Response(
                    status: HTTPResponse.Status(code: status),
                    headers: [.retryAfter: "0"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"busy\"}"))
                )
            }
            // Deterministic, deliberately unnormalized vectors: length of the text and a constant.
            let data = inputs.enumerated().reversed().map { index, text in
                ["index": index, "embedding": [Double(text.count), 3.0, 4.0]] as [String: Any]
            }
            let json = try JSONSerialization.data(withJSONObject: ["data": data, "model": "m"])
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(data: json))
            )
        }
    }

    /// The client's per-request timeout in these tests. Far above the default, because the
    /// assertions count requests exactly: under a busy test run a response that waits 30 s for a
    /// thread would be retried as a timeout, and one extra request is not what they test.
    static let patientTimeout: TimeInterval = 600

    func withService(_ service: Service, _ body: @escaping @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/embeddings") { request, _ in try await service.respond(request) }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "test")
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await whileServing(app, ports: ports, logger: logger) { port in
            try await body(URL(string: "http://127.0.0.1:\(port)/v1/embeddings")!)
        }
    }

    @Test func batchesSendsTheKeyAndNormalizesInOrder() async throws {
        let service = Service()
        try await withService(service) { url in
            var embedder = try await HTTPEmbedder.connect(
                url: url,
                model: "mini",
                apiKey: "secret-key",
                timeout: Self.patientTimeout
            )
            #expect(embedder.dimension == 3)
            #expect(embedder.modelID == "mini")
            embedder.batchSize = 2
            let vectors = try await embedder.embed(["a", "bbbb", "cc"])
            #expect(vectors.count == 3)
            // [len, 3, 4] normalized; the service answered in reverse index order.
            #expect(abs(vectors[1][0] - 4 / Float(41).squareRoot()) < 1e-6)
            #expect(vectors.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5 })
        }
        let seen = service.seen.withLock { $0 }
        #expect(seen.batchSizes == [1, 2, 1])  // the probe, then batches of 2
        #expect(seen.authorizations.allSatisfy { $0 == "Bearer secret-key" })
        #expect(seen.models.allSatisfy { $0 == "mini" })
    }

    @Test func retriesThrottlingAndServerErrorsThenSucceeds() async throws {
        let service = Service()
        try await withService(service) { url in
            var embedder = try await HTTPEmbedder.connect(
                url: url,
                model: "mini",
                apiKey: nil,
                timeout: Self.patientTimeout
            )
            embedder.backoffMilliseconds = 1
            service.failures.withLock { $0 = [429, 503] }
            let vectors = try await embedder.embed(["x"])
            #expect(vectors.count == 1)
        }
        #expect(service.seen.withLock { $0.batchSizes.count } == 4)  // probe, 429, 503, success
    }

    @Test func clientErrorsAreNotRetriedAndNeverShowTheKey() async throws {
        let service = Service()
        try await withService(service) { url in
            var embedder = try await HTTPEmbedder.connect(
                url: url,
                model: "mini",
                apiKey: "secret-key",
                timeout: Self.patientTimeout
            )
            embedder.backoffMilliseconds = 1
            service.failures.withLock { $0 = [401, 401] }
            await #expect {
                _ = try await embedder.embed(["x"])
            } throws: { error in
                "\(error)".contains("HTTP 401") && !"\(error)".contains("secret-key")
            }
        }
        #expect(service.seen.withLock { $0.batchSizes.count } == 2)  // probe, one 401
    }
}
