import MediaModel

/// Turns texts into unit-length vectors in one model's space.
///
/// Documents and queries must go through the same embedder: a snapshot records the
/// ``modelID`` its vectors came from and the server refuses to mix spaces.
public protocol Embedder: Sendable {
    /// Names the vector space, e.g. `all-MiniLM-L6-v2`; part of the embedding cache key.
    var modelID: String { get }
    /// Length of every vector this embedder returns.
    var dimension: Int { get }
    /// Embeds `texts`, returning one L2-normalized vector per text in the same order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}
