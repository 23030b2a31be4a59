import Assistant
import Foundation
import Logging
import MCP
import MediaModel
import Search
import Snapshots
import TestSupport
import Testing

/// The tools in process, over snapshots with vectors: what the stdio test cannot reach cheaply.
@Suite struct TitleToolsTests {
    static let titles = [
        makeTitle("mg000000000001", "Jaws", year: 1975),
        makeTitle("mg000000000002", "Jaws 2", year: 1978),
        makeTitle("mg000000000003", "Heat", year: 1995),
    ]

    static func vectors(_ values: [[Float]]) -> EmbeddedVectors {
        EmbeddedVectors(
            modelID: "test",
            dimension: 2,
            byTitleID: Dictionary(uniqueKeysWithValues: zip(titles.map(\.id), values))
        )
    }

    @Test func similarTitlesFollowTheVectorsAndAHotSwapAppliesToTheNextCall() async throws {
        let directory = try publishedDirectory(Self.titles, vectors: Self.vectors([[1, 0], [0.9, 0.1], [0, 1]]))
        let source = CurrentSnapshot(directory: directory.path)
        let tools = TitleTools(embedder: nil) { try source.current() }
        let similar = try await tools.call("similar_titles", ["id": "mg000000000001", "limit": 1])
        let results = (try #require(similar.structuredContent?.objectValue))["results"]?.arrayValue
        #expect(results?.first?.objectValue?["id"]?.stringValue == "mg000000000002")

        // A new snapshot in which Heat is nearest Jaws answers the next call.
        try publish(Self.titles, vectors: Self.vectors([[1, 0], [0, 1], [0.9, 0.1]]), to: directory)
        let swapped = try await tools.call("similar_titles", ["id": "mg000000000001", "limit": 1])
        let next = (try #require(swapped.structuredContent?.objectValue))["results"]?.arrayValue
        #expect(next?.first?.objectValue?["id"]?.stringValue == "mg000000000003")

        // A damaged CURRENT target does not take the good snapshot away.
        try Data("snapshot-99991231T000000000Z-bad.mgws\n".utf8).write(
            to: URL(fileURLWithPath: directory.currentPointerPath)
        )
        try Data("not a snapshot".utf8).write(
            to: URL(fileURLWithPath: directory.path + "/snapshot-99991231T000000000Z-bad.mgws")
        )
        let kept = try await tools.call("snapshot_info", [:])
        #expect(kept.structuredContent?.objectValue?["metadata"]?.objectValue?["titleCount"]?.intValue == 3)
    }

    @Test func leavingSoonAndNewArrivalsCountFromToday() async throws {
        let today = Day(Date())
        func offer(since: Int? = nil, expires: Int? = nil) -> Offer {
            Offer(
                country: "US",
                service: "netflix",
                monetization: .subscription,
                availableSince: since.map { today.adding(days: $0).description },
                expiresOn: expires.map { today.adding(days: $0).description }
            )
        }
        let titles = [
            makeTitle("mg000000000001", "Jaws", year: 1975, offers: [offer(expires: 10)]),
            makeTitle("mg000000000002", "Heat", year: 1995, offers: [offer(since: -3, expires: 2)]),
            makeTitle("mg000000000003", "Alien", year: 1979, offers: [offer(since: -30, expires: 90)]),
        ]
        let directory = try publishedDirectory(titles)
        let source = CurrentSnapshot(directory: directory.path)
        let tools = TitleTools(embedder: nil) { try source.current() }
        let leaving = try await tools.call("leaving_soon", ["country": "US", "days": 30])
        let ids = (try #require(leaving.structuredContent?.objectValue))["results"]?.arrayValue?.compactMap {
            $0.objectValue?["id"]?.stringValue
        }
        #expect(ids == ["mg000000000002", "mg000000000001"])
        let new = try await tools.call("new_arrivals", [:])
        let newIDs = (try #require(new.structuredContent?.objectValue))["results"]?.arrayValue?.compactMap {
            $0.objectValue?["id"]?.stringValue
        }
        #expect(newIDs == ["mg000000000002"])
        await #expect(throws: (any Error).self) { _ = try await tools.call("leaving_soon", ["days": -1]) }
    }

    @Test func theToolListHasASchemaForEveryToolAndNoStubs() {
        let names = TitleTools.definitions.map(\.name)
        #expect(
            names == [
                "search_titles", "get_title", "where_to_watch", "similar_titles", "leaving_soon", "new_arrivals",
                "snapshot_info",
            ]
        )
        for tool in TitleTools.definitions {
            #expect(tool.inputSchema.objectValue?["type"]?.stringValue == "object", "\(tool.name)")
            #expect(tool.inputSchema.objectValue?["additionalProperties"]?.boolValue == false, "\(tool.name)")
        }
    }

    /// The shortcut's reply is written from the parts; it must read back as the SDK's own
    /// result type would have written it, for answers and for error answers.
    @Test func anAnswerWrittenDirectlyReadsBackAsTheSDKsResult() async throws {
        let directory = try publishedDirectory(Self.titles)
        let source = CurrentSnapshot(directory: directory.path)
        let tools = TitleTools(embedder: nil) { try source.current() }
        let server = AssistantServer(tools: tools, logger: Logger(label: "test"))
        for (name, arguments) in [
            ("get_title", ["id": Value.string("mg000000000003")]), ("snapshot_info", [:]),
            ("get_title", ["id": "mg999999999999"]), ("search_titles", ["query": 3]),
        ] {
            let answer = await server.answer(CallTool.Parameters(name: name, arguments: arguments))
            let read = try JSONDecoder().decode(CallTool.Result.self, from: try answer.resultJSON())
            #expect(read == answer.result, "\(name) \(arguments)")
            #expect((read.isError ?? false) == (answer.structuredJSON == nil), "\(name) \(arguments)")
        }
        let heat = await server.answer(CallTool.Parameters(name: "get_title", arguments: ["id": "mg000000000003"]))
        #expect(heat.structuredContent?.objectValue?["title"]?.stringValue == "Heat")
    }
}
