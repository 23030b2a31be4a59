import CZstd
import Foundation
import Synchronization

/// Whole-buffer zstd compression, used for raw archive pages and snapshot title blocks.
public enum Zstd {
    /// Errors from libzstd, with its own message.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compresses `data` at `level` (1–19; 3 is zstd's default).
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var output = Data(count: bound)
        let context = contexts.take()
        defer { contexts.give(context) }
        let written = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                ZSTD_compressCCtx(context, out.baseAddress, bound, input.baseAddress, data.count, level)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw Failure(description: "zstd compress: " + String(cString: ZSTD_getErrorName(written)))
        }
        output.count = written
        return output
    }

    /// Contexts kept for reuse: creating one per call cost more than compressing a small payload
    /// (a Watchmode details response) with it, and more than decompressing a snapshot's title
    /// block (libzstd's one-shot call allocates and clears a context every time).
    private static let contexts = ContextPool(create: { ZSTD_createCCtx() }, free: { _ = ZSTD_freeCCtx($0) })
    private static let decompressionContexts = ContextPool(
        create: { ZSTD_createDCtx() },
        free: { _ = ZSTD_freeDCtx($0) }
    )

    private final class ContextPool: Sendable {
        /// Addresses of idle contexts (pointers are not Sendable; the pool hands each to one
        /// thread at a time).
        private let idle = Mutex<[Int]>([])
        private let create: @Sendable () -> OpaquePointer?
        private let free: @Sendable (OpaquePointer) -> Void

        init(create: @escaping @Sendable () -> OpaquePointer?, free: @escaping @Sendable (OpaquePointer) -> Void) {
            self.create = create
            self.free = free
        }

        func take() -> OpaquePointer {
            if let address = idle.withLock({ $0.popLast() }), let context = OpaquePointer(bitPattern: address) {
                return context
            }
            guard let context = create() else { fatalError("libzstd could not allocate a context") }
            return context
        }

        func give(_ context: OpaquePointer) {
            // As many as threads compress at once; a few more are freed rather than kept.
            let kept = idle.withLock { idle in
                guard idle.count < 16 else { return false }
                idle.append(Int(bitPattern: context))
                return true
            }
            if !kept { free(context) }
        }
    }

    /// Decompresses one or more complete zstd frames.
    public static func decompress(_ data: Data) throws -> Data {
        try data.withUnsafeBytes { try decompress(UnsafeRawBufferPointer($0)) }
    }

    /// Decompresses complete zstd frames from raw memory (a memory-mapped snapshot block); throws
    /// rather than produce more than `limit` bytes, so a frame from a damaged file that declares
    /// gigabytes allocates nothing.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = 1 << 31) throws -> Data {
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        func tooLarge() -> Failure { Failure(description: "zstd decompress: output exceeds \(limit) bytes") }
        if declared != ZSTD_CONTENTSIZE_ERROR, declared != ZSTD_CONTENTSIZE_UNKNOWN {
            guard declared <= UInt64(limit) else { throw tooLarge() }
            var output = Data(count: Int(declared))
            let context = decompressionContexts.take()
            defer { decompressionContexts.give(context) }
            let written = output.withUnsafeMutableBytes { out in
                ZSTD_decompressDCtx(context, out.baseAddress, Int(declared), input.baseAddress, input.count)
            }
            if ZSTD_isError(written) != 0 {
                throw Failure(description: "zstd decompress: " + String(cString: ZSTD_getErrorName(written)))
            }
            output.count = written
            return output
        }
        var stream = ZstdInputStream(bytes: input)
        var output = Data()
        while let chunk = try stream.read() {
            guard chunk.count <= limit - output.count else { throw tooLarge() }
            output.append(chunk)
        }
        return output
    }
}

/// Streaming zstd decompression over a byte source, for files too large to hold in memory.
public struct ZstdInputStream {
    /// Owns the decompression context, so that it is freed with the last copy of the stream
    /// (a struct cannot free it: the fuzzer found every stream leaking its context).
    private final class Context {
        let pointer: OpaquePointer

        init() { pointer = ZSTD_createDCtx() }

        deinit { ZSTD_freeDCtx(pointer) }
    }

    private let owner = Context()
    private var context: OpaquePointer { owner.pointer }
    private var pending: Data
    private var pendingOffset = 0
    private let refill: () throws -> Data?
    private var frameOpen = false

    /// Decompresses what `refill` yields until it returns nil.
    public init(refill: @escaping () throws -> Data?) {
        self.pending = Data()
        self.refill = refill
    }

    /// Decompresses bytes already in memory.
    public init(bytes: UnsafeRawBufferPointer) {
        let copy = Data(bytes)
        var given = false
        self.init(refill: {
            if given { return nil }
            given = true
            return copy
        })
    }

    /// The next chunk of decompressed output, or nil at the end of the input.
    /// Throws when the input ends inside a frame (a truncated file).
    public mutating func read() throws -> Data? {
        var output = Data(count: ZSTD_DStreamOutSize())
        while true {
            if pendingOffset >= pending.count {
                guard let next = try refill(), !next.isEmpty else {
                    if frameOpen {
                        throw Zstd.Failure(description: "zstd stream is truncated (ends inside a frame)")
                    }
                    return nil
                }
                pending = next
                pendingOffset = 0
            }
            let capacity = output.count
            var produced = 0
            var hint = 0
            try pending.withUnsafeBytes { input in
                try output.withUnsafeMutableBytes { out in
                    var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: pendingOffset)
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                    hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    if ZSTD_isError(hint) != 0 {
                        throw Zstd.Failure(description: "zstd: " + String(cString: ZSTD_getErrorName(hint)))
                    }
                    pendingOffset = inBuffer.pos
                    produced = outBuffer.pos
                }
            }
            frameOpen = hint != 0
            if produced > 0 {
                output.count = produced
                return output
            }
        }
    }
}
