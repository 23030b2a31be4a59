import Embeddings
import Synchronization

/// A deterministic stand-in for the model that records every text it is asked to embed, so the
/// tests can see exactly what the cache let through.
public final class RecordingEmbedder: Embedder, Sendable {
    public let modelID: String
    public let dimension = 8
    private let seen = Mutex<[String]>([])

    public init(modelID: String = "recording") { self.modelID = modelID }

    public var embeddedTexts: [String] { seen.withLock { $0 } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        seen.withLock { $0 += texts }
        return texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            for (index, byte) in text.utf8.enumerated() { vector[index % dimension] += Float(byte % 17) - 8 }
            let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / max(length, 1e-6) }
        }
    }
}
