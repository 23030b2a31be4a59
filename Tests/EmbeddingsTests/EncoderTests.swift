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
        for index in stride(from: 0, to: texts.count, by: 37) {
            #expect(together[index] == embedder.embedSynchronously([texts[index]])[0], "text \(index)")
        }
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
