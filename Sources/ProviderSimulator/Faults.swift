import Foundation
import MediaModel

/// A fault to inject into matching requests.
public struct Fault: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// 429 with `Retry-After`.
        case rateLimit = "rate-limit"
        /// 503.
        case serverError = "server-error"
        /// A normal answer after `delayMilliseconds`.
        case slow
        /// A 200 whose body stops halfway.
        case truncated
        /// A 200 whose body is not JSON.
        case malformed
        /// The provider's own "quota exhausted" answer.
        case quota
        /// The provider's "cursor no longer valid" answer (requests that carry a cursor).
        case expiredCursor = "expired-cursor"
        /// The connection drops halfway through a normal answer.
        case reset
        /// A normal JSON answer that also echoes the request's key, raw and encoded
        /// (percent-encoded in both cases, JSON-escaped, base64), as misbehaving APIs do.
        case echoKey = "echo-key"
    }

    /// `streaming-availability`, `watchmode`, `justwatch`, `youtube`, or `*`.
    public var provider: String
    public var kind: Kind
    /// How many matching requests get the fault.
    public var count: Int
    /// Matching requests to let through first.
    public var after: Int
    public var retryAfterSeconds: Int
    public var delayMilliseconds: Int

    public init(
        provider: String = "*",
        kind: Kind,
        count: Int = 1,
        after: Int = 0,
        retryAfterSeconds: Int = 1,
        delayMilliseconds: Int = 500
    ) {
        self.provider = provider
        self.kind = kind
        self.count = count
        self.after = after
        self.retryAfterSeconds = retryAfterSeconds
        self.delayMilliseconds = delayMilliseconds
    }

    /// `provider:kind[:count[:after]]`, as on the command line.
    public init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count >= 2, let kind = Kind(rawValue: parts[1]) else { return nil }
        self.init(
            provider: parts[0],
            kind: kind,
            count: parts.count > 2 ? Int(parts[2]) ?? 1 : 1,
            after: parts.count > 3 ? Int(parts[3]) ?? 0 : 0
        )
    }

    enum CodingKeys: String, CodingKey {
        case provider, kind, count, after, retryAfterSeconds, delayMilliseconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        provider = try container.decodeIfPresent(String.self, forKey: .provider) ?? "*"
        kind = try container.decode(Kind.self, forKey: .kind)
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
        after = try container.decodeIfPresent(Int.self, forKey: .after) ?? 0
        retryAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? 1
        delayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? 500
    }
}

extension ProviderSimulator {
    /// The answer a provider gives for this fault.
    func respond(to fault: Fault, provider: String) -> SimulatedResponse {
        switch fault.kind {
        case .rateLimit:
            switch provider {
            case "watchmode":
                return .json(
                    ["success": false, "statusCode": 429, "statusMessage": "The rate limit was exceeded."],
                    status: 429,
                    headers: ["Retry-After": String(fault.retryAfterSeconds), "X-RateLimit-Remaining": "0"]
                )
            default:
                return .json(
                    [
                        "message":
                            "You have exceeded the rate limit per second for your plan, BASIC, by the API provider"
                    ],
                    status: 429,
                    headers: ["Retry-After": String(fault.retryAfterSeconds)]
                )
            }
        case .serverError:
            return .json(["message": "upstream unavailable"], status: 503)
        case .truncated:
            let body = Data(
                "{\"shows\":[{\"itemType\":\"show\",\"showType\":\"movie\",\"id\":\"1\",\"title\":\"Trunc".utf8
            )
            return SimulatedResponse(status: 200, headers: ["Content-Type": "application/json"], body: body)
        case .malformed:
            return SimulatedResponse(
                status: 200,
                headers: ["Content-Type": "application/json"],
                body: Data("<html>Bad gateway</html>".utf8)
            )
        case .quota:
            switch provider {
            case "watchmode":
                return .json(
                    ["success": false, "statusCode": 402, "statusMessage": "Over plan quota on this API Key."],
                    status: 402
                )
            case "youtube":
                return .json(
                    [
                        "error": [
                            "code": 403,
                            "message": "The request cannot be completed because you have exceeded your quota.",
                            "errors": [
                                [
                                    "message": "The request cannot be completed because you have exceeded your quota.",
                                    "domain": "youtube.quota", "reason": "quotaExceeded",
                                ]
                            ],
                        ]
                    ],
                    status: 403
                )
            case "justwatch":
                return .json(["errors": [["message": "rate limit: too many requests"]], "data": NSNull()])
            default:
                return .json(
                    [
                        "message":
                            "You have exceeded the MONTHLY quota for Requests on your current plan, BASIC. Upgrade your plan at https://rapidapi.com/movie-of-the-night-movie-of-the-night-default/api/streaming-availability"
                    ],
                    status: 429
                )
            }
        case .expiredCursor:
            if provider == "justwatch" {
                return .json(["errors": [["message": "invalid cursor: expired"]], "data": NSNull()])
            }
            return .json(["message": "invalid cursor"], status: 400)
        case .slow, .reset, .echoKey:
            return .json([:])
        }
    }
}
