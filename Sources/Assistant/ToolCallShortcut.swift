import Foundation
import Logging
import MCP

/// A transport in front of another that answers well-formed `tools/call` requests itself and
/// passes every other message to the SDK's server unchanged.
///
/// The SDK's typed request handler re-encodes each result to JSON and decodes it back into a
/// `Value`, whose `Decodable` tries every kind at every node and matches each string against a
/// data-URL regex built anew per call; for a page of ten titles with their offers that was most
/// of a 50 ms round trip (docs/benchmarks.md, "The assistant and the page"). Here the result is
/// encoded once, as ``ToolAnswer`` holds it. What the client sees is the same JSON-RPC response,
/// routed by the inner transport exactly as the server's own (decision 0016).
public actor ToolCallShortcut: Transport {
    public nonisolated let logger: Logger
    private let inner: any Transport
    private let answer: @Sendable (CallTool.Parameters) async -> ToolAnswer
    private let messages: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    private var pump: Task<Void, Never>?

    public init(
        _ inner: any Transport,
        logger: Logger,
        answer: @escaping @Sendable (CallTool.Parameters) async -> ToolAnswer
    ) {
        self.inner = inner
        self.logger = logger
        self.answer = answer
        (messages, continuation) = AsyncThrowingStream<Data, Swift.Error>.makeStream()
    }

    public func connect() async throws {
        try await inner.connect()
        guard pump == nil else { return }
        let incoming = await inner.receive()
        let continuation = self.continuation
        pump = Task { [weak self] in
            do {
                for try await data in incoming {
                    guard let self, let call = Self.toolCall(data) else {
                        continuation.yield(data)
                        continue
                    }
                    // Like the server, each request runs on its own so that a slow one does
                    // not hold up the next.
                    Task { await self.respond(to: call) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    public func disconnect() async {
        pump?.cancel()
        await inner.disconnect()
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    public nonisolated func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        messages
    }

    struct Call: Decodable {
        var jsonrpc: String
        var id: ID
        var method: String
        var params: CallTool.Parameters
    }

    /// The message as a `tools/call` request, or nil for anything else (batches, other
    /// methods, notifications, responses, and requests the server should refuse itself).
    static func toolCall(_ data: Data) -> Call? {
        // A cheap look before decoding: most messages that are not tool calls say so early.
        guard data.count < 1 << 20, data.range(of: Data(#""tools/call""#.utf8)) != nil else { return nil }
        guard let call = try? JSONDecoder().decode(Call.self, from: data),
            call.jsonrpc == "2.0", call.method == CallTool.name
        else { return nil }
        return call
    }

    private func respond(to call: Call) async {
        let answer = await answer(call.params)
        do {
            var reply = Data(#"{"id":"#.utf8)
            reply.append(try JSONEncoder().encode(call.id))
            reply.append(Data(#","jsonrpc":"2.0","result":"#.utf8))
            reply.append(try answer.resultJSON())
            reply.append(Data("}".utf8))
            try await inner.send(reply)
        } catch {
            logger.warning("could not answer tools/call", metadata: ["id": "\(call.id)", "error": "\(error)"])
        }
    }
}
