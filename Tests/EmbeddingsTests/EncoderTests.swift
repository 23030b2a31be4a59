import Foundation
import Testing

@testable import Embeddings

@Suite struct EncoderTests {
    static func makeTinyEmbedder(workers: Int = 2) throws -> BertEmbedder {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-tiny-\(UUID())")
        return try BertEmbedder(directory: try TinyModel().write(under: directory), workers: workers)
    }

    @Test func packedEncoderMatchesThePaddedAndMaskedReference() throws {
        let embedder = try Self.makeTinyEmbedder()
        let texts = ["the cat sat on the mat.", "dogs running", "a fish!", "sea star, the sea star"]
        let expected = ReferenceEncoder(model: TinyModel()).encode(texts.map { embedder.tokenizer.tokenize($0) })
        let actual = embedder.embedSynchronously(texts)
        #expect(actual.count == texts.count)
        for (want, got) in zip(expected, actual) {
            #expect(got.count == TinyModel.hidden)
            let worst = zip(want, got).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4, "largest difference \(worst)")
        }
    }

    @Test func outputKeepsInputOrderAcrossLengthSortedBatchesAndWorkers() throws {
        let embedder = try Self.makeTinyEmbedder(workers: 2)
        let texts = (0..<300).map { index in
            Array(repeating: ["the cat", "dog", "a fish sat", "sea"][index % 4], count: 1 + index % 5).joined(
                separator: " "
            )
        }
        let together = embedder.embedSynchronously(texts)
        // A batch of 300 and a batch of one reach sgemm with different shapes, and OpenBLAS may
        // pick other kernels for each, so the last bits can differ (decision 0004). What must hold
        // is that each output belongs to its own text: close to that text's single embedding, and
        // nearer to it than to the single embedding of any other distinct text.
        let distinct = Array(Set(texts)).sorted()
        let singles = Dictionary(uniqueKeysWithValues: distinct.map { ($0, embedder.embedSynchronously([$0])[0]) })
        for index in stride(from: 0, to: texts.count, by: 7) {
            let own = singles[texts[index]]!
            let worst = zip(together[index], own).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "text \(index): largest difference \(worst)")
            let ownDistance = Self.squaredDistance(together[index], own)
            for other in distinct where other != texts[index] {
                let otherDistance = Self.squaredDistance(together[index], singles[other]!)
                #expect(ownDistance < otherDistance, "text \(index) is nearer to \(other)")
            }
        }
    }

    static func squaredDistance(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    @Test func vectorsAreUnitLength() throws {
        let vectors = try Self.makeTinyEmbedder().embedSynchronously(["the cat", "", "zzz unknown words"])
        for vector in vectors {
            let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(length - 1) < 1e-5)
        }
    }

    @Test func inputsLongerThanThePositionTableAreTruncated() throws {
        let embedder = try Self.makeTinyEmbedder()
        let long = Array(repeating: "cat", count: 100).joined(separator: " ")
        #expect(embedder.tokenizer.tokenize(long).count == TinyModel.positions)
        #expect(embedder.embedSynchronously([long])[0].count == TinyModel.hidden)
    }

    @Test func missingModelFilesAreNamedWithTheInstallCommand() {
        #expect {
            _ = try BertEmbedder(directory: "/nonexistent/model")
        } throws: { error in
            "\(error)".contains("/nonexistent/model/config.json") && "\(error)".contains("install-model.sh")
        }
    }

    @Test func tensorWithTheWrongShapeIsRefusedByName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-tiny-\(UUID())")
        let path = try TinyModel().write(under: directory)
        var config =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))
            ) as! [String: Any]
        config["intermediate_size"] = 32
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path + "/config.json"))
        #expect {
            _ = try BertEmbedder(directory: path)
        } throws: { error in
            "\(error)".contains("encoder.layer.0.intermediate.dense.weight") && "\(error)".contains("[16, 8]")
        }
    }
}
