import Foundation
import Logging
import MCP

/// MCP's stdio framing (one JSON-RPC message per line) over standard input and output, read by
/// a thread that blocks on the pipe. The SDK's `StdioTransport` polls a non-blocking descriptor
/// and sleeps 10 ms whenever no byte is waiting, which put up to 10 ms on every call
/// (docs/benchmarks.md, "The assistant and the page").
public actor LineTransport: Transport {
    public nonisolated let logger: Logger
    private let input: FileHandle
    private let output: FileHandle
    private let messages: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    private var reader: Thread?

    public init(
        input: FileHandle = .standardInput,
        output: FileHandle = .standardOutput,
        logger: Logger = Logger(label: "mediagw.mcp.stdio")
    ) {
        self.input = input
        self.output = output
        self.logger = logger
        (messages, continuation) = AsyncThrowingStream<Data, Swift.Error>.makeStream()
    }

    public func connect() async throws {
        guard reader == nil else { return }
        let input = self.input
        let continuation = self.continuation
        let thread = Thread {
            var buffer = Data()
            while true {
                let chunk = input.availableData  // blocks until bytes arrive or the pipe closes
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0a) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) { continuation.yield(Data(line)) }
                }
            }
            continuation.finish()
        }
        thread.name = "mcp-stdin"
        reader = thread
        thread.start()
    }

    public func disconnect() async {
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        var line = data
        if line.last != 0x0a { line.append(0x0a) }
        try output.write(contentsOf: line)
    }

    public nonisolated func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        messages
    }
}
