import Foundation
import MediaModel

/// A request as the simulator sees it.
public struct SimulatedRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var body: Data

    public init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A response the simulator sends.
public struct SimulatedResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// Wait this long before answering (the "slow" fault).
    public var delay: Duration?
    /// Send half the body, then drop the connection (the "reset" fault).
    public var dropsConnection = false

    public init(status: Int = 200, headers: [String: String] = [:], body: Data, delay: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }

    static func json(_ object: Any, status: Int = 200, headers: [String: String] = [:]) -> SimulatedResponse {
        let body =
            (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]))
            ?? Data()
        return SimulatedResponse(
            status: status,
            headers: headers.merging(["Content-Type": "application/json"]) { $1 },
            body: body
        )
    }
}
