import Foundation

/// Reads a text file line by line, decompressing gzip or zstd transparently (detected from the
/// first bytes, not the file name), from a path or standard input. Memory stays bounded by the
/// longest line.
public final class LineReader {
    /// Errors reading the input, naming it.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How the input was encoded.
    public enum Encoding: String, Sendable {
        case plain, gzip, zstd
    }

    public let name: String
    public private(set) var encoding: Encoding = .plain
    /// Bytes read from the file so far (compressed bytes for a compressed file), for progress.
    public var bytesRead: Int { counter.value }
    private let counter: Counter

    private final class Counter {
        var value = 0
    }
    private let handle: FileHandle
    private var next: () throws -> Data?
    private var buffer = Data()
    private var bufferOffset = 0
    private var atEnd = false
    /// Lines longer than this are an error rather than a way to exhaust memory.
    private let maximumLineLength: Int

    /// Opens `path`, or standard input when `path` is `-`.
    public init(path: String, maximumLineLength: Int = 16 << 20) throws {
        self.maximumLineLength = maximumLineLength
        if path == "-" {
            name = "standard input"
            handle = FileHandle.standardInput
        } else {
            name = path
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw Failure(description: "cannot open \(path): no such file or not readable")
            }
            handle = opened
        }
        let source = handle
        let counter = Counter()
        self.counter = counter
        let readChunk: () throws -> Data? = {
            let chunk = source.readData(ofLength: 1 << 16)
            counter.value += chunk.count
            return chunk.isEmpty ? nil : chunk
        }
        let head = try readChunk() ?? Data()
        var primed = head.isEmpty ? nil : head
        let raw: () throws -> Data? = {
            if let first = primed {
                primed = nil
                return first
            }
            return try readChunk()
        }
        if head.starts(with: [0x1f, 0x8b]) {
            encoding = .gzip
            let gzip = try GzipInputStream(refill: raw)
            next = { try gzip.read() }
        } else if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            encoding = .zstd
            var zstd = ZstdInputStream(refill: raw)
            next = { try zstd.read() }
        } else {
            next = raw
        }
    }

    /// The next line without its terminator (`\n` or `\r\n`), or nil at the end of input.
    public func readLine() throws -> Data? {
        while true {
            if let newline = buffer[bufferOffset...].firstIndex(of: 0x0a) {
                var end = newline
                if end > bufferOffset, buffer[end - 1] == 0x0d { end -= 1 }
                let line = buffer[bufferOffset..<end]
                bufferOffset = newline + 1
                return Data(line)
            }
            if atEnd {
                guard bufferOffset < buffer.count else { return nil }
                let line = buffer[bufferOffset...]
                bufferOffset = buffer.count
                return Data(line)
            }
            if buffer.count - bufferOffset > maximumLineLength {
                throw Failure(description: "\(name): a line is longer than \(maximumLineLength) bytes")
            }
            let chunk: Data?
            do {
                chunk = try next()
            } catch {
                throw Failure(description: "\(name): \(error)")
            }
            if bufferOffset > 0 {
                buffer.removeSubrange(buffer.startIndex..<bufferOffset)
                buffer = Data(buffer)
                bufferOffset = 0
            }
            if let chunk { buffer.append(chunk) } else { atEnd = true }
        }
    }
}
