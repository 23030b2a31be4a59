import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the client's `X-Request-Id` when it is short and plain, else a
/// new one), returns it in the response header, and turns every error into a problem+json
/// response carrying it. An error that is not a ``Problem`` or an HTTP error is a 500 whose
/// detail says only where to look: the error itself goes to the log under the same id.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = Self.requestID(offered: request.headers[.requestID])
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            return response
        } catch {
            var problem: Problem
            switch error {
            case let known as Problem:
                problem = known
            case let http as any HTTPResponseError where http.status == .notFound:
                // Every route is a GET: another method on one of them is a 405, not a missing route.
                if request.method != .get && ServerMetrics.route(for: request.uri.path) != "other" {
                    problem = Problem(.methodNotAllowed, "\(request.uri.path) answers GET only")
                    problem.allow = "GET"
                } else {
                    problem = Problem(.notFound, "no such route: \(request.uri.path)")
                }
            case let http as any HTTPResponseError:
                problem = Problem(http.status, "\(http)")
            default:
                logger.error(
                    "request failed",
                    metadata: ["http.request_id": "\(id)", "http.path": "\(request.uri.path)", "error": "\(error)"]
                )
                problem = Problem(.internalServerError, "internal error; the log has it under request id \(id)")
            }
            problem.requestID = id
            return problem.response()
        }
    }

    static func requestID(offered: String?) -> String {
        if let offered, (1...64).contains(offered.utf8.count),
            offered.utf8.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            })
        {
            return offered
        }
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx", generator.next() as UInt64)
    }
}
