import Foundation
import HTTPTypes
import Hummingbird
import MediaModel

/// An RFC 9457 problem detail, returned as `application/problem+json` for every error.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The query parameter at fault, when there is one.
    public var parameter: String?
    /// Seconds after which the client may try again (`Retry-After`), for an overloaded server.
    public var retryAfter: Int?
    /// The request's id (also in the `X-Request-Id` header), to find it in the logs.
    public var requestID: String?
    /// The methods a route takes (`Allow`), for a 405.
    public var allow: String?

    public init(_ status: HTTPResponse.Status, _ detail: String, parameter: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.parameter = parameter
        self.retryAfter = retryAfter
    }

    /// A 400 naming the parameter at fault.
    static func badParameter(_ name: String, _ detail: String) -> Problem {
        Problem(.badRequest, "parameter '\(name)': \(detail)", parameter: name)
    }

    private struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var parameter: String?
        var requestId: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The problem as an `application/problem+json` response.
    func response() -> Response {
        let body = Body(
            title: title,
            status: Int(status.code),
            detail: detail,
            parameter: parameter,
            requestId: requestID
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let requestID { headers[.requestID] = requestID }
        if let allow { headers[.allow] = allow }
        // Encoding strings and numbers cannot fail.
        let bytes = (try? encoder.encode(body)) ?? Data(#"{"status":500}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: given by the client (when short and plain) or made by the server.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
