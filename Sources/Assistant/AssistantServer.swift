import Foundation
import Logging
import MCP
import MediaModel
import Search
import Snapshots

/// The MCP server of mediagw: the ``TitleTools`` and the snapshot's metadata and catalogues as
/// resources, over any MCP transport (stdio for `mediagw mcp`).
public struct AssistantServer: Sendable {
    public let tools: TitleTools
    public var logger: Logger

    public init(tools: TitleTools, logger: Logger) {
        self.tools = tools
        self.logger = logger
    }

    static let resources = [
        Resource(
            name: "snapshot",
            uri: "mediagw://snapshot",
            description: "The served snapshot's metadata: build, counts, sources, vectors",
            mimeType: "application/json"
        ),
        Resource(
            name: "genres",
            uri: "mediagw://catalog/genres",
            description: "The canonical genre ids the genre filter takes",
            mimeType: "application/json"
        ),
        Resource(
            name: "services",
            uri: "mediagw://catalog/services",
            description: "The canonical services (id and name) the service filter takes",
            mimeType: "application/json"
        ),
    ]

    /// A server with the tools and resources registered, ready to start on a transport.
    public func makeServer() async -> Server {
        let server = Server(
            name: "mediagw",
            version: MediagwVersion.current,
            instructions:
                "Look up what films and series are watchable where: search_titles finds titles, where_to_watch lists "
                + "a title's offers by country, service and price.",
            capabilities: .init(
                resources: .init(subscribe: false, listChanged: false),
                tools: .init(listChanged: false)
            )
        )
        let tools = self.tools
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: TitleTools.definitions) }
        let assistant = self
        await server.withMethodHandler(CallTool.self) { parameters in await assistant.answer(parameters).result }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: Self.resources) }
        await server.withMethodHandler(ReadResource.self) { parameters in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data: Data
            switch parameters.uri {
            case "mediagw://snapshot":
                let served = try tools.current()
                data = try encoder.encode(served.snapshot.metadata)
            case "mediagw://catalog/genres":
                data = try encoder.encode(Genre.allCases.map(\.rawValue))
            case "mediagw://catalog/services":
                data = try encoder.encode(ServiceCatalog.all)
            default:
                throw MCPError.invalidParams("unknown resource \(parameters.uri)")
            }
            return .init(
                contents: [
                    .text(String(decoding: data, as: UTF8.self), uri: parameters.uri, mimeType: "application/json")
                ]
            )
        }
        return server
    }

    /// Runs a tool call; every failure is an error result the model can read, never a
    /// protocol error or a crash.
    public func answer(_ parameters: CallTool.Parameters) async -> ToolAnswer {
        do {
            return try await tools.call(parameters.name, parameters.arguments ?? [:])
        } catch let refusal as TitleTools.Refusal {
            return ToolAnswer(error: refusal.description)
        } catch let error as MediaError {
            return ToolAnswer(error: error.message)
        } catch {
            logger.error("tool failed", metadata: ["tool": "\(parameters.name)", "error": "\(error)"])
            return ToolAnswer(error: "the tool failed: \(error)")
        }
    }

    /// A server with the tools and resources, started on `transport`; tool calls take the
    /// ``ToolCallShortcut`` past the SDK's result conversion.
    public func start(on transport: any Transport) async throws -> Server {
        let server = await makeServer()
        try await server.start(transport: ToolCallShortcut(transport, logger: logger) { await answer($0) })
        return server
    }

    /// Serves over standard input and output until the client closes them.
    public func runOverStdio() async throws {
        let server = try await start(on: LineTransport(logger: logger))
        await server.waitUntilCompleted()
    }
}
