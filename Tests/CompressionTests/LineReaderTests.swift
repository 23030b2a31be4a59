import Compression
import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import Testing

@Suite struct LineReaderTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: "Fixtures/\(name)", ofType: nil)!
    }

    static func readAll(_ path: String) throws -> [String] {
        let reader = try LineReader(path: path)
        var lines: [String] = []
        while let line = try reader.readLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    @Test(arguments: [("lines.txt", "plain"), ("lines.txt.gz", "gzip"), ("lines.txt.zst", "zstd")])
    func readsEveryEncodingToTheSameLines(file: String, encoding: String) throws {
        let reader = try LineReader(path: Self.fixture(file))
        #expect(reader.encoding.rawValue == encoding)
        #expect(try Self.readAll(Self.fixture(file)) == ["first line", "second line", "", "fourth, no newline"])
    }

    @Test(arguments: ["lines.txt.gz", "lines.txt.zst"])
    func truncatedCompressedFileThrowsAfterTheLinesItHad(file: String) throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(file)))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trunc-\(UUID()).\(file)").path
        try whole.prefix(whole.count - 6).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: LineReader.Failure.self) { try Self.readAll(path) }
    }

    @Test func missingFileNamesThePath() {
        #expect {
            _ = try LineReader(path: "/nonexistent/catalog.jsonl")
        } throws: { error in
            "\(error)".contains("/nonexistent/catalog.jsonl")
        }
    }

    @Test func overlongLineIsAnErrorNotUnboundedMemory() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID()).txt").path
        try Data(repeating: 0x61, count: 300_000).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path, maximumLineLength: 100_000)
        #expect(throws: LineReader.Failure.self) { _ = try reader.readLine() }
    }
}

@Suite struct CodecTests {
    @Test func zstdRoundTripsAndRejectsGarbage() throws {
        let input = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let compressed = try Zstd.compress(input)
        #expect(compressed.count < input.count)
        #expect(try Zstd.decompress(compressed) == input)
        var damaged = compressed
        damaged[damaged.count / 2] ^= 0xff
        damaged.removeLast(4)
        #expect(throws: (any Error).self) { try Zstd.decompress(damaged) }
    }

    /// A frame from a damaged file may declare gigabytes; the limit refuses it before allocating.
    @Test func decompressionRefusesOutputBeyondItsLimit() throws {
        let frame = try Zstd.compress(Data(repeating: 7, count: 1 << 20))
        let bytes = [UInt8](frame)
        #expect(throws: (any Error).self) {
            _ = try bytes.withUnsafeBytes { try Zstd.decompress($0, limit: 1 << 16) }
        }
        #expect(try bytes.withUnsafeBytes { try Zstd.decompress($0, limit: 1 << 20) }.count == 1 << 20)
    }

    /// Found by the fuzzer: every stream leaked its zstd context (about 95 KB), so each
    /// streamed import, and each block without a declared size, lost memory for good.
    @Test func streamsFreeTheirContext() throws {
        let frame = [UInt8](try Zstd.compress(Data(repeating: 1, count: 100)))
        func resident() -> Int {
            let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ")
            return (fields.flatMap { $0.count > 1 ? Int($0[1]) : nil } ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
        let before = resident()
        for _ in 0..<2_000 {
            try frame.withUnsafeBytes { bytes in
                var stream = ZstdInputStream(bytes: bytes)
                while try stream.read() != nil {}
            }
        }
        // Leaking, they kept about 190 MB; tests running beside this one move it far less.
        #expect(resident() - before < 64 << 20, "2,000 streams kept \(resident() - before) bytes")
    }

    @Test func crc32MatchesTheKnownCheckValue() {
        // The standard CRC-32 check value for "123456789".
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func hexEncodesLowerCase() {
        #expect(Hex.encode([0x00, 0xab, 0x7f]) == "00ab7f")
    }
}
