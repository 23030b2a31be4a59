import Foundation
import MediaModel

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An embedder backed by an OpenAI-compatible `POST /v1/embeddings` service, for users who run
/// one. Texts go in batches; 429, 5xx and connection failures are retried with exponential
/// backoff and full jitter (honouring `Retry-After`); vectors are L2-normalized on arrival.
///
/// The API key is sent as a bearer token and never appears in errors or logs.
public struct HTTPEmbedder: Embedder {
    public let modelID: String
    public let dimension: Int
    public let url: URL
    private let model: String
    private let apiKey: String?
    private let session: URLSession
    /// Texts per request.
    public var batchSize = 64
    /// Attempts per request, the first included.
    public var maxAttempts = 4
    /// First backoff step in milliseconds; doubles per retry, with full jitter.
    public var backoffMilliseconds = 500

    /// Connects to the service at `url` (the full `/v1/embeddings` address) and learns the
    /// dimension by embedding one probe text.
    public static func connect(url: URL, model: String, apiKey: String?, timeout: TimeInterval = 30) async throws
        -> HTTPEmbedder
    {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpAdditionalHeaders = ["User-Agent": "mediagw (embeddings)"]
        let session = URLSession(configuration: configuration)
        let probe = HTTPEmbedder(url: url, model: model, apiKey: apiKey, session: session, dimension: 0)
        let dimension = try await probe.request(["dimension probe"])[0].count
        return HTTPEmbedder(url: url, model: model, apiKey: apiKey, session: session, dimension: dimension)
    }

    private init(url: URL, model: String, apiKey: String?, session: URLSession, dimension: Int) {
        self.url = url
        self.model = model
        self.modelID = model
        self.apiKey = apiKey
        self.session = session
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            vectors += try await request(Array(texts[start..<min(start + batchSize, texts.count)]))
        }
        return vectors
    }

    private struct Response: Decodable {
        struct Item: Decodable {
            let index: Int
            let embedding: [Float]
        }
        let data: [Item]
    }

    private func request(_ texts: [String]) async throws -> [[Float]] {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: ["model": model, "input": texts])
        var lastProblem = ""
        for attempt in 1...maxAttempts {
            var wait: Duration?
            do {
                let (body, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 {
                    guard let decoded = try? JSONDecoder().decode(Response.self, from: body),
                        decoded.data.count == texts.count
                    else {
                        throw MediaError(.badInput, "embedding service \(url) answered with an unexpected body")
                    }
                    return decoded.data.sorted { $0.index < $1.index }.map { Activation.normalized($0.embedding) }
                }
                lastProblem = "HTTP \(status)"
                guard status == 429 || status >= 500 else {
                    throw MediaError(.io, "embedding service \(url) refused the request: HTTP \(status)")
                }
                let header = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After")
                if let seconds = header.flatMap(Double.init) { wait = .milliseconds(Int(min(seconds, 60) * 1000)) }
            } catch let error as MediaError {
                throw error
            } catch {
                lastProblem = error.localizedDescription
            }
            if attempt < maxAttempts {
                let ceiling = backoffMilliseconds << (attempt - 1)
                try await Task.sleep(for: wait ?? .milliseconds(Int.random(in: 0...max(1, ceiling))))
            }
        }
        throw MediaError(.io, "embedding service \(url) failed after \(maxAttempts) attempts: \(lastProblem)")
    }
}
