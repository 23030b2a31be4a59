import Foundation
import MediaModel

/// Recorded responses: `index.json` lists `{"method","path","query":{…},"status","file","contentType"}`.
struct Replay: Sendable {
    struct Entry: Codable, Sendable {
        var method: String?
        var path: String
        var query: [String: String]?
        var status: Int?
        var file: String
        var contentType: String?
    }

    let directory: String
    let entries: [Entry]

    init(directory: String) throws {
        self.directory = directory
        let index = (directory as NSString).appendingPathComponent("index.json")
        guard let data = FileManager.default.contents(atPath: index) else {
            throw MediaError(.notFound, "replay directory \(directory) has no index.json")
        }
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            throw MediaError(.badInput, "\(index): \(error)")
        }
    }

    func response(for request: SimulatedRequest) -> SimulatedResponse? {
        guard
            let entry = entries.first(where: { entry in
                (entry.method ?? "GET") == request.method && entry.path == request.path
                    && (entry.query ?? [:]).allSatisfy { request.query[$0.key] == $0.value }
            }),
            let body = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(entry.file))
        else { return nil }
        return SimulatedResponse(
            status: entry.status ?? 200,
            headers: ["Content-Type": entry.contentType ?? "application/json"],
            body: body
        )
    }
}
