/// Embeddings to store in a snapshot: one vector per canonical title, all from one model.
public struct EmbeddedVectors: Sendable {
    public var modelID: String
    public var dimension: Int
    /// Canonical title id → unit-length vector.
    public var byTitleID: [String: [Float]]

    public init(modelID: String, dimension: Int, byTitleID: [String: [Float]]) {
        self.modelID = modelID
        self.dimension = dimension
        self.byTitleID = byTitleID
    }
}
