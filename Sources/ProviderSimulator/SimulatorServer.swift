import Compression
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MediaModel

extension ProviderSimulator {
    /// The simulator as a Hummingbird application on `host:port` (port 0 picks a free one, which
    /// `onServerRunning` receives).
    public func makeApplication(
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var query: [String: String] = [:]
            if let text = request.uri.query {
                var components = URLComponents()
                components.percentEncodedQuery = text
                for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let body = try await request.body.collect(upTo: 4 << 20)
            let simulated = SimulatedRequest(
                method: request.method.rawValue,
                path: request.uri.path,
                query: query,
                headers: headers,
                body: Data(buffer: body)
            )
            var answer = self.handle(simulated)
            if self.options.gzip, headers["accept-encoding"]?.contains("gzip") == true, !answer.body.isEmpty,
                let compressed = try? Gzip.compress(answer.body)
            {
                answer.body = compressed
                answer.headers["Content-Encoding"] = "gzip"
                self.state.withLock { $0.gzipped += 1 }
            }
            if let delay = answer.delay { try await Task.sleep(for: delay) }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { fields[field] = value }
            }
            if answer.dropsConnection {
                // Chunked, so the client cannot know the length; half of it, then the connection
                // is closed by the error.
                let half = ByteBuffer(bytes: answer.body.prefix(answer.body.count / 2))
                return Response(
                    status: .init(code: answer.status),
                    headers: fields,
                    body: ResponseBody { writer in
                        try await writer.write(half)
                        throw ConnectionDropped()
                    }
                )
            }
            return Response(
                status: .init(code: answer.status),
                headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
            )
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "mediagw-simulator"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}

extension ProviderSimulator {
    /// Serves until SIGTERM or SIGINT.
    public func serve(
        host: String,
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) async throws {
        try await makeApplication(host: host, port: port, logger: logger, onServerRunning: onServerRunning)
            .runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

extension SimulatedWorld {
    /// Reads a source-record JSONL file (plain, gzip or zstd), such as `samples/catalog.jsonl.zst`,
    /// to seed the world with real titles.
    public static func loadBase(path: String) throws -> [SourceRecord] {
        let reader: LineReader
        do {
            reader = try LineReader(path: path)
        } catch {
            throw MediaError(.notFound, "\(error)")
        }
        let decoder = JSONDecoder()
        var records: [SourceRecord] = []
        while let line = try reader.readLine() {
            guard !line.isEmpty else { continue }
            // Lines carry no source; the decoder needs one.
            var object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] ?? [:]
            object["source"] = "sample"
            if let data = try? JSONSerialization.data(withJSONObject: object),
                let record = try? decoder.decode(SourceRecord.self, from: data)
            {
                records.append(record)
            }
        }
        return records
    }
}

/// Thrown while writing a response body to drop the connection (the "reset" fault).
struct ConnectionDropped: Error {}
