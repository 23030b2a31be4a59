import ArgumentParser
import Embeddings
import Foundation
import MediaModel

/// Which embedder turns text into vectors: the native model (default) or an OpenAI-compatible
/// service. Shared by `build`, `serve`, `embed` and `snapshot query`.
struct EmbeddingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Embedding model directory (default: $MEDIAGW_MODELS/all-MiniLM-L6-v2, installed by "
                + "scripts/install-model.sh).",
            valueName: "dir"
        )
    )
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Use an OpenAI-compatible embedding service at this URL (…/v1/embeddings) instead of the native "
                + "model; the key comes from MEDIAGW_EMBEDDING_API_KEY.",
            valueName: "url"
        )
    )
    var embeddingURL: String?

    @Option(help: ArgumentHelp("Model name sent to the embedding service.", valueName: "name"))
    var embeddingModel = ModelDirectory.defaultModel

    @Option(help: ArgumentHelp("Threads for native embedding (default: one per core).", valueName: "n"))
    var embedWorkers: Int?

    /// The configured embedder; throws a ``MediaError`` that says how to install the model.
    func makeEmbedder() async throws -> any Embedder {
        if let embeddingURL {
            guard let url = URL(string: embeddingURL), url.scheme == "http" || url.scheme == "https" else {
                throw MediaError(.usage, "--embedding-url \(embeddingURL) is not an http(s) URL")
            }
            return try await HTTPEmbedder.connect(
                url: url,
                model: embeddingModel,
                apiKey: Environment.value("MEDIAGW_EMBEDDING_API_KEY")
            )
        }
        return try BertEmbedder(directory: model ?? ModelDirectory.defaultPath(), workers: embedWorkers)
    }
}

/// The embedder for queries (`serve`, `mcp`): the model, with the vectors of recent query texts
/// remembered (`RecentEmbeddings`; `serve` passes the count to the daemon, which puts the
/// memory in front of its embedding queue).
struct QueryEmbeddingOptions: ParsableArguments {
    @OptionGroup var embedding: EmbeddingOptions

    @Option(
        help: ArgumentHelp(
            "Query texts whose vectors are remembered (the next page or a facet click asks again); 0 turns it off.",
            valueName: "n"
        )
    )
    var queryCache = 2048

    func validate() throws {
        guard queryCache >= 0 else { throw ValidationError("--query-cache must be 0 or more") }
    }

    func makeEmbedder() async throws -> any Embedder {
        let model = try await embedding.makeEmbedder()
        return queryCache > 0 ? RecentEmbeddings(model, capacity: queryCache) : model
    }
}
