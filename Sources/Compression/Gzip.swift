import CZlib
import Foundation

/// Streaming gzip/zlib decompression over a byte source.
public final class GzipInputStream {
    /// Errors from zlib.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private var stream = z_stream()
    private var pending = Data()
    private var pendingOffset = 0
    private let refill: () throws -> Data?
    private var finished = false
    private var streamEnded = true

    /// Decompresses what `refill` yields until it returns nil.
    public init(refill: @escaping () throws -> Data?) throws {
        self.refill = refill
        // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
        let status = inflateInit2_(&stream, 32 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure(description: "zlib init failed (\(status))") }
    }

    deinit {
        inflateEnd(&stream)
    }

    /// The next chunk of decompressed output, or nil at the end. Throws on a truncated or corrupt stream.
    public func read() throws -> Data? {
        var output = Data(count: 1 << 16)
        while !finished {
            if pendingOffset >= pending.count {
                guard let next = try refill(), !next.isEmpty else {
                    finished = true
                    if !streamEnded {
                        throw Failure(description: "gzip stream is truncated (ends inside a member)")
                    }
                    return nil
                }
                pending = next
                pendingOffset = 0
            }
            if streamEnded {
                inflateReset(&stream)
                streamEnded = false
            }
            let capacity = output.count
            var produced = 0
            var status: Int32 = Z_OK
            pending.withUnsafeMutableBytes { input in
                output.withUnsafeMutableBytes { out in
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self) + pendingOffset
                    stream.avail_in = uInt(input.count - pendingOffset)
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(capacity)
                    status = inflate(&stream, Z_NO_FLUSH)
                    pendingOffset = input.count - Int(stream.avail_in)
                    produced = capacity - Int(stream.avail_out)
                }
            }
            if status == Z_STREAM_END {
                streamEnded = true
            } else if status != Z_OK && status != Z_BUF_ERROR {
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw Failure(description: "gzip: \(reason)")
            }
            if produced > 0 {
                output.count = produced
                return output
            }
        }
        return nil
    }
}

/// Whole-buffer gzip compression (the simulator's `Content-Encoding: gzip` answers).
public enum Gzip {
    public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header and trailer instead of zlib's.
        let status = deflateInit2_(
            &stream,
            level,
            Z_DEFLATED,
            16 + MAX_WBITS,
            8,
            Z_DEFAULT_STRATEGY,
            ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        guard status == Z_OK else { throw GzipInputStream.Failure(description: "zlib init failed (\(status))") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        let written = try data.withUnsafeBytes { input -> Int in
            try output.withUnsafeMutableBytes { out -> Int in
                stream.next_in = UnsafeMutablePointer(
                    mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                )
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let result = deflate(&stream, Z_FINISH)
                guard result == Z_STREAM_END else {
                    throw GzipInputStream.Failure(description: "zlib deflate failed (\(result))")
                }
                return out.count - Int(stream.avail_out)
            }
        }
        output.count = written
        return output
    }
}

/// CRC-32 (zlib's), used for per-section snapshot checksums.
public enum CRC32 {
    /// The CRC-32 of `bytes`, continuing from `initial`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return initial }
        var crc = UInt(initial)
        var offset = 0
        // zlib takes a 32-bit length; feed large sections in slices.
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 30)
            crc = crc32(crc, base.assumingMemoryBound(to: Bytef.self) + offset, uInt(length))
            offset += length
        }
        return UInt32(crc)
    }

    /// The CRC-32 of `data`.
    public static func checksum(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { checksum($0) }
    }
}
