import Foundation
import MediaModel

/// Why a provider call or a stream stopped. Messages never contain a key.
public enum ConnectorError: Error, Sendable, CustomStringConvertible {
    /// Every key's budget is spent; the stream stops with its cursor saved.
    case quotaExhausted(provider: String, resumesAfter: Date)
    /// The provider refused the key or the plan does not include the endpoint (401, 403).
    case forbidden(provider: String, status: Int, message: String)
    /// The host failed too often in a row; calls are held back until a probe is allowed.
    case circuitOpen(host: String, retryIn: Duration)
    /// The call failed for good (a 4xx, or retries used up).
    case failed(provider: String, message: String)
    /// The provider no longer knows the paging cursor sent (it expired); the stream starts that
    /// listing over.
    case expiredCursor(provider: String, message: String)
    /// A whole page could not be read (truncated or malformed); nothing of it was committed.
    case unreadablePage(location: String, reason: String)

    public var description: String {
        switch self {
        case .quotaExhausted(let provider, let date):
            return "\(provider): quota exhausted, resumes after \(date.formatted(.iso8601))"
        case .forbidden(let provider, let status, let message):
            return "\(provider): HTTP \(status): \(message)"
        case .circuitOpen(let host, let wait):
            return "\(host): circuit open after repeated failures; next probe in \(Int(wait.seconds.rounded(.up))) s"
        case .failed(let provider, let message):
            return "\(provider): \(message)"
        case .expiredCursor(let provider, let message):
            return "\(provider): cursor no longer valid: \(message)"
        case .unreadablePage(let location, let reason):
            return "unreadable page \(location): \(reason)"
        }
    }
}
