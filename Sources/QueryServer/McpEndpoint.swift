import Assistant
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import Synchronization

/// `POST`, `GET` and `DELETE /mcp`: the assistant's tools over MCP's Streamable HTTP transport.
/// Each session (begun by an `initialize` request without a session id) has a transport and a
/// server of its own; later requests find it by their `Mcp-Session-Id`. Tool calls answer from
/// the snapshot served at that moment, so hot swaps apply to them as to `/v1/search`.
final class McpEndpoint: Sendable {
    private let tools: TitleTools
    private let logger: Logger
    /// DNS-rebinding protection when bound to loopback (the Host and Origin must be local).
    private let loopbackOnly: Bool
    private let sessions = Mutex<[String: (transport: StatefulHTTPServerTransport, started: Date)]>([:])
    /// Sessions kept at most; the oldest is closed to make room.
    static let maximumSessions = 256
    /// A request body larger than this is refused.
    static let maximumBody = 1 << 20

    init(tools: TitleTools, host: String, logger: Logger) {
        self.tools = tools
        self.logger = logger
        loopbackOnly = ["127.0.0.1", "localhost", "::1"].contains(host)
    }

    func register(on router: Router<some Hummingbird.RequestContext>) {
        for method in [HTTPTypes.HTTPRequest.Method.post, .get, .delete] {
            router.on("/mcp", method: method) { request, context in
                try await self.handle(request, context: context)
            }
        }
    }

    private func handle(_ request: Hummingbird.Request, context: some Hummingbird.RequestContext) async throws
        -> Hummingbird.Response
    {
        let body = try await request.body.collect(upTo: Self.maximumBody)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let mcpRequest = MCP.HTTPRequest(
            method: request.method.rawValue,
            headers: headers,
            body: body.readableBytes > 0 ? Data(buffer: body) : nil,
            path: request.uri.path
        )
        let response: MCP.HTTPResponse
        if let id = mcpRequest.header(HTTPHeaderName.sessionID) {
            guard let session = sessions.withLock({ $0[id] }) else {
                return Self.convert(.error(statusCode: 404, .invalidRequest("Not Found: no session \(id.prefix(64))")))
            }
            response = await session.transport.handleRequest(mcpRequest)
            if request.method == .delete { sessions.withLock { _ = $0.removeValue(forKey: id) } }
        } else {
            response = try await startSession(mcpRequest)
        }
        return Self.convert(response)
    }

    /// A new transport and server for a request without a session id (an `initialize`, or
    /// the transport's own refusal of anything else).
    private func startSession(_ request: MCP.HTTPRequest) async throws -> MCP.HTTPResponse {
        let validators: [any HTTPRequestValidator] = [
            loopbackOnly ? OriginValidator.localhost() : OriginValidator.disabled,
            AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(),
            SessionValidator(),
        ]
        let transport = StatefulHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: validators),
            logger: logger
        )
        let server = try await AssistantServer(tools: tools, logger: logger).start(on: transport)
        let response = await transport.handleRequest(request)
        guard let id = response.headers[HTTPHeaderName.sessionID] else {
            await server.stop()
            return response
        }
        let evicted = sessions.withLock { sessions -> StatefulHTTPServerTransport? in
            var oldest: StatefulHTTPServerTransport?
            if sessions.count >= Self.maximumSessions,
                let key = sessions.min(by: { $0.value.started < $1.value.started })?.key
            {
                oldest = sessions.removeValue(forKey: key)?.transport
            }
            sessions[id] = (transport, Date())
            return oldest
        }
        if let evicted { await evicted.disconnect() }
        return response
    }

    static func convert(_ response: MCP.HTTPResponse) -> Hummingbird.Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let status = HTTPTypes.HTTPResponse.Status(code: response.statusCode)
        switch response {
        case .stream(let stream, _):
            let body = ResponseBody(asyncSequence: stream.map { ByteBuffer(data: $0) })
            return Response(status: status, headers: fields, body: body)
        default:
            let body = response.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(data: $0)) } ?? ResponseBody()
            return Response(status: status, headers: fields, body: body)
        }
    }
}
