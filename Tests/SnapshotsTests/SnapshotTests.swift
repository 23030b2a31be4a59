import Foundation
import MediaModel
import Snapshots
import TestSupport
import Testing

@Suite struct SnapshotTests {
    static let titles: [CanonicalTitle] = (0..<100).map { index in
        makeTitle(
            String(format: "mg%012d", index),
            index == 7 ? "Alien" : "Film number \(index)",
            year: 1950 + index % 50,
            genres: index % 2 == 0 ? [.drama] : [.comedy, .romance],
            overview: index == 7 ? "In space no one can hear you scream." : nil,
            offers: index % 3 == 0
                ? [Offer(country: "US", service: "netflix", monetization: .subscription, quality: .hd)] : []
        )
    }

    @Test func roundTripsTitlesIDsAndMetadata() throws {
        let path = try writeSnapshot(Self.titles.shuffled(), aliases: ["mgretired00001": "mg000000000007"])
        let snapshot = try Snapshot(path: path)
        #expect(snapshot.documentCount == 100)
        #expect(snapshot.metadata.formatVersion == SnapshotFormat.version)
        #expect(snapshot.metadata.sourceCounts == ["test": 100])
        #expect(snapshot.metadata.offerCount == 34)
        // Documents are in id order, so doc 7 is mg…07.
        #expect(snapshot.id(ofDocument: 7) == "mg000000000007")
        #expect(try snapshot.title(7) == Self.titles[7])
        #expect(try snapshot.title(99) == Self.titles[99])
        #expect(snapshot.document(forID: "mg000000000042") == 42)
        #expect(snapshot.document(forID: "mgretired00001") == 7)
        #expect(snapshot.document(forID: "mgretired00001", followAliases: false) == nil)
        #expect(snapshot.document(forID: "mgnothere") == nil)
        try snapshot.verify()
    }

    @Test func lexiconFindsTermsAndPostings() throws {
        let snapshot = try Snapshot(path: try writeSnapshot(Self.titles))
        let alien = try #require(try snapshot.lookup("alien"))
        #expect(alien.documentFrequency == 1)
        var docs: [UInt32] = []
        try snapshot.forEachPosting(alien) { doc, frequency in
            docs.append(doc)
            #expect(frequency >= 4)  // title weight
        }
        #expect(docs == [7])
        #expect(try snapshot.lookup("film")?.documentFrequency == 99)
        #expect(try snapshot.lookup("zzz") == nil)
        var prefixed: [String] = []
        try snapshot.scanTermBytes(from: "sc") { term, entry in
            guard term.starts(with: Array("sc".utf8)) else { return false }
            prefixed.append(entry().term)
            return true
        }
        #expect(prefixed == ["scream"])
    }

    @Test func facetsListDocumentsPerValue() throws {
        let snapshot = try Snapshot(path: try writeSnapshot(Self.titles))
        #expect(try snapshot.facetDocuments(.genre, "drama").count == 50)
        #expect(
            try snapshot.facetDocuments(.offer, "US/netflix/subscription")
                == stride(from: 0, to: 100, by: 3).map { UInt32($0) }
        )
        #expect(snapshot.facetValues(.kind).map(\.value) == ["movie"])
        #expect(try snapshot.facetDocuments(.genre, "western").isEmpty)
    }

    @Test func emptyCatalogIsAValidSnapshot() throws {
        let snapshot = try Snapshot(path: try writeSnapshot([]))
        #expect(snapshot.documentCount == 0)
        #expect(try snapshot.lookup("anything") == nil)
        try snapshot.verify()
    }

    /// Flips one byte inside the named section and expects verify to name it.
    @Test(arguments: ["docs.blocks", "lex.postings", "lex.terms", "lex.norms", "facets.postings", "docs.ids"])
    func bitFlipIsCaughtAndNamesTheSection(section: String) throws {
        let path = try writeSnapshot(Self.titles)
        let info = try #require(try Snapshot(path: path).sections.first { $0.name == section })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[info.offset + info.length / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            try Snapshot(path: path).verify()
        } throws: { error in
            "\(error)".contains("section '\(section)'")
        }
    }

    @Test(arguments: ["meta", "facets", "lex.restarts"])
    func damagedSmallSectionIsRefusedAtOpen(section: String) throws {
        let path = try writeSnapshot(Self.titles)
        let info = try #require(try Snapshot(path: path).sections.first { $0.name == section })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[info.offset + 1] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Snapshot(path: path)
        } throws: { error in
            (error as? MediaError)?.code == .corruptSnapshot && "\(error)".contains("section '\(section)'")
        }
    }

    @Test(arguments: [10, 100, 1000])
    func truncatedFileIsRefusedByName(keep: Int) throws {
        let path = try writeSnapshot(Self.titles)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Snapshot(path: path)
        } throws: { error in
            (error as? MediaError)?.code == .corruptSnapshot
                && "\(error)".contains((path as NSString).lastPathComponent)
        }
    }

    @Test func newerFormatVersionIsRefusedClearly() throws {
        let path = try writeSnapshot(Self.titles)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[8] = UInt8(SnapshotFormat.version + 1)
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Snapshot(path: path)
        } throws: { error in
            (error as? MediaError)?.code == .unsupportedFormat
                && "\(error)".contains("format version \(SnapshotFormat.version + 1)")
                && "\(error)".contains("upgrade")
        }
    }

    @Test func notASnapshotIsRefused() throws {
        let path = (temporaryDirectory() as NSString).appendingPathComponent("x.mgws")
        try Data(repeating: 0x20, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: MediaError.self) { _ = try Snapshot(path: path) }
    }
}

@Suite struct VectorSectionTests {
    static let titles = [makeTitle("mg1", "Alien"), makeTitle("mg2", "Heat")]
    static let vectors = EmbeddedVectors(
        modelID: "test-model",
        dimension: 4,
        byTitleID: ["mg1": [0.5, 0.5, 0.5, 0.5], "mg2": [1, 0, 0, 0]]
    )

    @Test func vectorsRoundTripQuantizedWithModelAndDimension() throws {
        let snapshot = try Snapshot(path: try writeSnapshot(Self.titles, vectors: Self.vectors))
        #expect(snapshot.metadata.formatVersion == 2)
        #expect(snapshot.metadata.embedding == EmbeddingMetadata(model: "test-model", dimension: 4, count: 2))
        let stored = try #require(snapshot.vectors)
        for (doc, id) in ["mg1", "mg2"].enumerated() {
            let original = Self.vectors.byTitleID[id]!
            #expect(zip(stored.vector(doc), original).allSatisfy { abs($0 - $1) < 0.01 })
        }
        #expect(abs(stored.similarity(0, 1) - 0.5) < 0.01)
        try snapshot.verify()
    }

    @Test func snapshotWithoutVectorsHasNone() throws {
        let snapshot = try Snapshot(path: try writeSnapshot(Self.titles))
        #expect(snapshot.metadata.embedding == nil)
        #expect(snapshot.vectors == nil)
    }

    @Test func versionOneFilesStillOpen() throws {
        let path = try writeSnapshot(Self.titles)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // A version-1 writer put its version in the header and repeated it in the footer.
        bytes[8] = 1
        bytes[bytes.count - 64 + 20] = 1
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(try Snapshot(path: path).vectors == nil)
    }

    @Test func missingEmbeddingIsRefused() {
        let partial = EmbeddedVectors(modelID: "m", dimension: 4, byTitleID: ["mg1": [1, 0, 0, 0]])
        #expect {
            _ = try writeSnapshot(Self.titles, vectors: partial)
        } throws: { "\($0)".contains("mg2") }
    }

    @Test func damagedVectorSectionIsNamedByVerify() throws {
        let path = try writeSnapshot(Self.titles, vectors: Self.vectors)
        let snapshot = try Snapshot(path: path)
        let section = try #require(snapshot.sections.first { $0.name == "vec.codes" })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[section.offset] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            try Snapshot(path: path).verify()
        } throws: { error in
            (error as? MediaError)?.code == .corruptSnapshot && "\(error)".contains("vec.codes")
        }
    }
}
