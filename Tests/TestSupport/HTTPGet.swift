import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What a GET to a test server answered: the status, the body as a JSON object (empty when it
/// is not one), the body as text, and the final URL.
public struct GetAnswer: @unchecked Sendable {
    public var status: Int
    public var json: [String: Any]
    public var text: String
    public var url: URL?
}

/// GETs `path` from the server at `base` (loopback), within `timeout` seconds.
public func httpGet(_ base: URL, _ path: String, timeout: TimeInterval = 60) async throws -> GetAnswer {
    var request = URLRequest(url: URL(string: base.absoluteString + path)!)
    request.timeoutInterval = timeout
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    return GetAnswer(status: http.statusCode, json: json, text: String(decoding: data, as: UTF8.self), url: http.url)
}
