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

    public init(_ status: HTTPResponse.Status, _ detail: String, parameter: String? = nil) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.parameter = parameter
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
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(title: title, status: Int(status.code), detail: detail, parameter: parameter)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(body)))
        )
    }
}
