import Embeddings
import TestSupport
import Testing

/// The query-vector memory in front of the model.
@Suite struct RecentEmbeddingsTests {
    @Test func aRepeatedTextIsEmbeddedOnceAndGetsTheSameVector() async throws {
        let model = RecordingEmbedder()
        let recent = RecentEmbeddings(model, capacity: 8)
        let first = try await recent.embed(["taxi driver"])
        let again = try await recent.embed(["taxi driver"])
        #expect(first == again)
        #expect(model.embeddedTexts == ["taxi driver"])
        // A batch sends only what is not remembered, once each, and answers in its own order.
        let batch = try await recent.embed(["alien", "taxi driver", "alien", "heat"])
        #expect(model.embeddedTexts == ["taxi driver", "alien", "heat"])
        #expect(batch[1] == first[0] && batch[0] == batch[2])
        #expect(batch == (try await model.embed(["alien", "taxi driver", "alien", "heat"])))
        #expect(recent.counts.hits == 3 && recent.counts.misses == 3)
        #expect(recent.modelID == model.modelID && recent.dimension == model.dimension)
    }

    @Test func whenFullTheLeastRecentlyUsedTextsGo() async throws {
        let model = RecordingEmbedder()
        let recent = RecentEmbeddings(model, capacity: 4)
        for text in ["a", "b", "c", "d"] { _ = try await recent.embed([text]) }
        _ = try await recent.embed(["a"])  // used again: now the most recent
        _ = try await recent.embed(["e"])  // over capacity: down to 3, dropping b and c
        let before = model.embeddedTexts.count
        _ = try await recent.embed(["a", "d", "e"])
        #expect(model.embeddedTexts.count == before, "a, d and e are remembered")
        _ = try await recent.embed(["b"])
        #expect(model.embeddedTexts.last == "b" && model.embeddedTexts.count == before + 1)
    }
}
