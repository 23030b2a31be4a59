import ArgumentParser
import Assistant
import Embeddings
import Foundation
import Logging
import MediaModel

struct McpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the snapshot to AI assistants over the Model Context Protocol (stdio).",
        discussion: """
            Speaks MCP on standard input and output (logs go to standard error): tools \
            search_titles, get_title, where_to_watch, similar_titles and snapshot_info, and the \
            snapshot's metadata and the genre and service catalogues as resources. With \
            --snapshots it follows CURRENT, so a newly published snapshot answers the next call. \
            Register it with a client as the command `mediagw mcp --snapshots /path/to/snapshots`.
            """
    )

    @Option(help: ArgumentHelp("Directory whose CURRENT snapshot is served (default).", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"

    @Option(help: ArgumentHelp("Serve this snapshot file instead.", valueName: "file"))
    var snapshot: String?

    @OptionGroup var embedding: QueryEmbeddingOptions

    @Option(help: ArgumentHelp("Log level (logs go to standard error).", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: logLevel)
        let logger = Logger(label: "mediagw.mcp")
        let source = snapshot.map { CurrentSnapshot(file: $0) } ?? CurrentSnapshot(directory: snapshots)
        // Fail before the handshake when there is nothing to serve.
        _ = try await exitOnError { try source.current() }
        var embedder: (any Embedder)?
        do {
            embedder = try await embedding.makeEmbedder()
        } catch {
            logger.warning("semantic search is off: \(error); tools rank lexically")
        }
        let tools = TitleTools(embedder: embedder) { try source.current() }
        try await AssistantServer(tools: tools, logger: logger).runOverStdio()
    }
}
