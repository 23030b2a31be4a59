import Foundation
import Testing

@testable import Embeddings

/// The real model against an independent reference: exact token ids, embeddings at cosine
/// ≥ 0.9999, and the similarity matrix sentence-transformers publishes. Needs the model
/// installed (`scripts/install-model.sh`; `scripts/test.sh` does it).
@Suite struct GoldenTests {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    struct Golden: Decodable {
        let cases: [Case]
    }

    static let golden: Golden = {
        let url = Bundle.module.url(forResource: "Fixtures/minilm_golden", withExtension: "json")!
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    static let model: BertEmbedder = {
        do {
            return try BertEmbedder(directory: ModelDirectory.defaultPath())
        } catch {
            fatalError("\(error) — the golden tests need the real model; run scripts/install-model.sh")
        }
    }()

    @Test func tokenIDsMatchTheReferenceExactly() {
        for golden in Self.golden.cases {
            #expect(Self.model.tokenizer.tokenize(golden.text) == golden.input_ids, "\(golden.text)")
        }
    }

    @Test func embeddingsMatchTheReference() async throws {
        let vectors = try await Self.model.embed(Self.golden.cases.map(\.text))
        for (golden, vector) in zip(Self.golden.cases, vectors) {
            #expect(vector.count == 384)
            let cosine = zip(golden.embedding, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine >= 0.9999, "\(golden.text): cosine \(cosine)")
        }
    }

    @Test func publishedSimilarityMatrixIsReproduced() async throws {
        let vectors = try await Self.model.embed([
            "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
        ])
        func similarity(_ a: Int, _ b: Int) -> Double {
            let dot = zip(vectors[a], vectors[b]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            return (Double(dot) * 10_000).rounded() / 10_000
        }
        #expect(similarity(0, 1) == 0.6660)
        #expect(similarity(0, 2) == 0.1046)
        #expect(similarity(1, 2) == 0.1411)
        #expect(similarity(0, 0) == 1.0)
    }

    @Test func batchedAndSingleEmbeddingsAgree() async throws {
        let texts = Self.golden.cases.map(\.text)
        let batched = try await Self.model.embed(texts)
        for (text, vector) in zip(texts, batched) {
            let single = Self.model.embedSynchronously([text])[0]
            let cosine = zip(single, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.99999, "\(text)")
        }
    }
}
