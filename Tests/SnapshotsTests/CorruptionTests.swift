import Foundation
import MediaModel
import Snapshots
import TestSupport
import Testing

/// Damaged files must be refused by name, never crash the reader, and never verify.
@Suite struct CorruptionTests {
    static let titles: [CanonicalTitle] = (0..<40).map { index in
        makeTitle(
            String(format: "mg%04d", index),
            "Film \(index)",
            year: 1990 + index % 20,
            genres: [.drama],
            offers: [Offer(country: "US", service: "netflix", monetization: .subscription, quality: .hd)]
        )
    }
    static let vectors = EmbeddedVectors(
        modelID: "test-model",
        dimension: 4,
        byTitleID: Dictionary(
            uniqueKeysWithValues: titles.enumerated().map { index, title in
                (title.id, [Float(index % 3), 1, Float(index % 5), 0.5])
            }
        )
    )

    /// A small snapshot with every section, its bytes and where its table and footer start.
    static func makeFile() throws -> (bytes: Data, tableOffset: Int, footerStart: Int, sections: [Snapshot.SectionInfo])
    {
        let path = try writeSnapshot(titles, vectors: vectors)
        let snapshot = try Snapshot(path: path)
        try snapshot.verify()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let footerStart = bytes.count - 64
        let tableOffset = Int(bytes[footerStart..<footerStart + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        return (bytes, tableOffset, footerStart, snapshot.sections)
    }

    /// Opens and verifies `bytes` with bit `bit` of byte `byte` flipped; returns what was wrong
    /// when the damaged file was accepted or refused with the wrong kind of error.
    static func problem(flipping bit: Int, of byte: Int, in bytes: Data, at path: String) -> String? {
        var damaged = bytes
        damaged[byte] ^= UInt8(1 << bit)
        try! damaged.write(to: URL(fileURLWithPath: path), options: .atomic)
        do {
            try Snapshot(path: path).verify()
            return "byte \(byte) bit \(bit): accepted"
        } catch let error as MediaError {
            guard [.corruptSnapshot, .unsupportedFormat].contains(error.code),
                "\(error)".contains((path as NSString).lastPathComponent)
            else { return "byte \(byte) bit \(bit): \(error)" }
            return nil
        } catch {
            return "byte \(byte) bit \(bit): not a MediaError: \(error)"
        }
    }

    @Test func everyBitOfTheHeaderSectionTableAndFooterIsRefused() throws {
        let file = try Self.makeFile()
        let path = (temporaryDirectory("flip") as NSString).appendingPathComponent("flipped.mgws")
        let positions = Array(0..<32) + Array(file.tableOffset..<file.bytes.count)
        #expect(positions.count > 600)
        var problems: [String] = []
        for byte in positions {
            for bit in 0..<8 {
                if let problem = Self.problem(flipping: bit, of: byte, in: file.bytes, at: path) {
                    problems.append(problem)
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }

    @Test func aBitFlippedInAnySectionBodyIsRefused() throws {
        let file = try Self.makeFile()
        let path = (temporaryDirectory("flip") as NSString).appendingPathComponent("flipped.mgws")
        var problems: [String] = []
        for section in file.sections {
            for byte in section.offset..<(section.offset + section.length) {
                if let problem = Self.problem(flipping: byte % 8, of: byte, in: file.bytes, at: path) {
                    problems.append("\(section.name): \(problem)")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }

    /// The two findings that crashed `verify` and the daemon: the top bit of the footer's table
    /// offset and length (a trapping conversion to Int), and the footer's repeated format version,
    /// which was read and discarded.
    @Test(arguments: [(7, 7), (15, 7), (20, 0), (21, 3), (23, 7)])
    func footerFieldsThatOnceCrashedOrPassedAreRefused(offset: Int, bit: Int) throws {
        let file = try Self.makeFile()
        let path = (temporaryDirectory("flip") as NSString).appendingPathComponent("flipped.mgws")
        #expect(Self.problem(flipping: bit, of: file.footerStart + offset, in: file.bytes, at: path) == nil)
    }

    /// Found by the fuzzer: a file with valid checksums whose `vec.scales` holds a scale that is
    /// not finite. Similar titles dequantized its vector and trapped converting NaN to an integer.
    @Test func aNonFiniteVectorScaleIsRefusedByVerify() throws {
        let path = try #require(Bundle.module.path(forResource: "Fixtures/fuzz-nonfinite-scale", ofType: "mgws"))
        let snapshot = try Snapshot(path: path)
        #expect(snapshot.check().isValid, "the fixture's checksums are all correct")
        #expect {
            try snapshot.verify()
        } throws: { error in
            (error as? MediaError)?.code == .corruptSnapshot && "\(error)".contains("vec.scales")
        }
    }

    @Test func quantizingValuesThatAreNotFiniteDoesNotTrap() {
        let (codes, scale) = QuantizedVectors.quantize([.nan, 0.5, -.infinity, -1, .infinity])
        #expect(codes == [0, 64, 0, -127, 0])
        #expect(abs(scale - 1 / 127) < 1e-7)
        #expect(QuantizedVectors.quantize([.nan, .infinity]).scale == 0)
    }
}
