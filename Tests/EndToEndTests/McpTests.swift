import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `mediagw mcp` driven over stdio as an assistant would: the handshake, the tool list, every
/// tool with good and bad arguments, answers checked against `/v1/search`.
@Suite struct McpTests {
    /// One MCP client session over the process's standard input and output.
    final class Session {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private var buffer = Data()
        private var nextID = 1

        init(_ arguments: [String], in workspace: Harness.Workspace) throws {
            let (template, _, _) = Harness.makeProcess(arguments, in: workspace)
            process.executableURL = template.executableURL
            process.arguments = template.arguments
            process.environment = template.environment
            process.currentDirectoryURL = template.currentDirectoryURL
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ message: [String: Any]) throws {
            var data = try JSONSerialization.data(withJSONObject: message)
            data.append(0x0a)
            input.fileHandleForWriting.write(data)
        }

        /// Sends a request and returns its response (the message with its id).
        func request(_ method: String, _ parameters: [String: Any] = [:]) throws -> [String: Any] {
            let id = nextID
            nextID += 1
            try send(["jsonrpc": "2.0", "id": id, "method": method, "params": parameters])
            while true {
                while let newline = buffer.firstIndex(of: 0x0a) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    if let message = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                        message["id"] as? Int == id
                    {
                        return message
                    }
                }
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
                buffer.append(chunk)
            }
        }

        func call(_ tool: String, _ arguments: [String: Any]) throws -> (result: [String: Any], text: String) {
            let response = try request("tools/call", ["name": tool, "arguments": arguments])
            let result = response["result"] as? [String: Any] ?? [:]
            let text = ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            return (result, text)
        }

        func close() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func anAssistantSearchesLooksUpAndIsToldWhatItGotWrong() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let session = try Session(["mcp"], in: workspace)
        defer { session.close() }
        let hello = try session.request(
            "initialize",
            ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]]
        )
        let info = (hello["result"] as? [String: Any])?["serverInfo"] as? [String: Any]
        #expect(info?["name"] as? String == "mediagw")
        try session.send(["jsonrpc": "2.0", "method": "notifications/initialized"])

        let list = try session.request("tools/list")
        let tools = ((list["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []).compactMap {
            $0["name"] as? String
        }
        #expect(
            tools == [
                "search_titles", "get_title", "where_to_watch", "similar_titles", "leaving_soon", "new_arrivals",
                "snapshot_info",
            ]
        )

        // search_titles answers what /v1/search answers for the same query.
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        let api = try await Harness.get(base, "/v1/search?q=taxi%20driver&mode=lexical&country=DE&limit=5")
        let apiIDs = (api.json["results"] as? [[String: Any]] ?? []).compactMap {
            ($0["title"] as? [String: Any])?["id"] as? String
        }
        let search = try session.call(
            "search_titles",
            ["query": "taxi driver", "mode": "lexical", "country": "DE", "limit": 5]
        )
        let structured = search.result["structuredContent"] as? [String: Any]
        let ids = (structured?["results"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(!ids.isEmpty && ids == apiIDs, "\(ids) vs \(apiIDs)")
        #expect(structured?["total"] as? Int == api.json["total"] as? Int)
        #expect(search.text.contains("1. Taxi Driver (1976)"), "\(search.text)")
        let offers = (structured?["results"] as? [[String: Any]])?.first?["offers"] as? [[String: Any]] ?? []
        #expect(!offers.isEmpty && offers.allSatisfy { $0["country"] as? String == "DE" }, "only the matching offers")

        let id = try #require(ids.first)
        let title = try session.call("get_title", ["id": id])
        #expect((title.result["structuredContent"] as? [String: Any])?["title"] as? String == "Taxi Driver")
        let watch = try session.call("where_to_watch", ["title": "taxi driver", "country": "de"])
        let countries = (watch.result["structuredContent"] as? [String: Any])?["countries"] as? [String: Any]
        #expect(countries.map { Array($0.keys) } == ["DE"], "\(watch.text)")
        #expect(watch.text.hasPrefix("Taxi Driver (1976) \(id): "), "\(watch.text)")
        let snapshot = try session.call("snapshot_info", [:])
        #expect(snapshot.text.contains("3000 titles"), "\(snapshot.text)")

        // Mistakes are error results that say what to do, and the session goes on.
        let mistakes: [(String, [String: Any], String)] = [
            ("search_titles", ["qeury": "x"], "unknown argument 'qeury' (did you mean 'query'?)"),
            ("search_titles", ["query": "x", "genre": "scifi"], "genre 'scifi' is not one of action"),
            ("search_titles", ["query": "x", "limit": 500], "'limit' must be a whole number from 1 to 50"),
            ("get_title", [:], "'id' is required"),
            ("get_title", ["id": "mg000000000000"], "no title with id 'mg000000000000'"),
            ("where_to_watch", [:], "give the title's name ('title') or its id ('id')"),
            ("where_to_watch", ["title": "taxi driver", "country": "Germany"], "not a two-letter ISO 3166-1 code"),
            ("similar_titles", ["id": id], "has no vectors"),
            ("search_titles", ["query": "x", "mode": "semantic"], "semantic search is unavailable"),
            ("play_movie", [:], "unknown tool 'play_movie'"),
        ]
        for (tool, arguments, expected) in mistakes {
            let answer = try session.call(tool, arguments)
            #expect(answer.result["isError"] as? Bool == true, "\(tool) \(arguments)")
            #expect(answer.text.contains(expected), "\(tool) \(arguments): \(answer.text)")
        }
        let genres = try session.request("resources/read", ["uri": "mediagw://catalog/genres"])
        let contents = (genres["result"] as? [String: Any])?["contents"] as? [[String: Any]]
        #expect((contents?.first?["text"] as? String)?.contains("\"western\"") == true)
    }

    /// One JSON-RPC message over Streamable HTTP: the response's SSE `data:` line, or its body.
    static func post(_ base: URL, _ message: [String: Any], session: String?) async throws
        -> (status: Int, session: String?, message: [String: Any])
    {
        var request = URLRequest(url: base.appendingPathComponent("mcp"))
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        if let session {
            request.setValue(session, forHTTPHeaderField: "Mcp-Session-Id")
            request.setValue("2025-06-18", forHTTPHeaderField: "MCP-Protocol-Version")
        }
        request.httpBody = try JSONSerialization.data(withJSONObject: message)
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let text = String(decoding: data, as: UTF8.self)
        let payload =
            text.split(separator: "\n").last { $0.hasPrefix("data: {") }.map { String($0.dropFirst(6)) } ?? text
        let json = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
        return (http.statusCode, http.value(forHTTPHeaderField: "Mcp-Session-Id"), json)
    }

    @Test func theDaemonServesTheSameToolsOverStreamableHTTP() async throws {
        let workspace = try await PipelineTests.publishedSample()
        let (daemon, base, _) = try await Harness.serve(in: workspace)
        defer { daemon.terminate() }
        let hello = try await Self.post(
            base,
            [
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": [
                    "protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"],
                ] as [String: Any],
            ],
            session: nil
        )
        #expect(hello.status == 200)
        let session = try #require(hello.session, "initialize answers with a session id")
        let ready = try await Self.post(
            base,
            ["jsonrpc": "2.0", "method": "notifications/initialized"],
            session: session
        )
        #expect(ready.status == 202)

        let api = try await Harness.get(base, "/v1/search?q=taxi%20driver&mode=lexical&limit=5")
        let apiIDs = (api.json["results"] as? [[String: Any]] ?? []).compactMap {
            ($0["title"] as? [String: Any])?["id"] as? String
        }
        let call = try await Self.post(
            base,
            [
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": [
                    "name": "search_titles", "arguments": ["query": "taxi driver", "mode": "lexical", "limit": 5],
                ] as [String: Any],
            ],
            session: session
        )
        let result = call.message["result"] as? [String: Any]
        let ids = ((result?["structuredContent"] as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap {
            $0["id"] as? String
        }
        #expect(!ids.isEmpty && ids == apiIDs, "\(call.message)")

        // A bad argument is an error result in the session; an unknown session is a 404.
        let bad = try await Self.post(
            base,
            [
                "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": ["name": "get_title", "arguments": [:] as [String: Any]] as [String: Any],
            ],
            session: session
        )
        #expect((bad.message["result"] as? [String: Any])?["isError"] as? Bool == true)
        let unknown = try await Self.post(
            base,
            ["jsonrpc": "2.0", "id": 4, "method": "tools/list"],
            session: "no-such-session"
        )
        #expect(unknown.status == 404)
    }
}
