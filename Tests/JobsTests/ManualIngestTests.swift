import Connectors
import Foundation
import Jobs
import Logging
import MediaModel
import ProviderSimulator
import Staging
import TestSupport
import Testing

/// `mediagw ingest`'s work, called directly: stream selection and an unknown stream's error.
@Suite struct ManualIngestTests {
    static let logger = Logger(label: "test")

    func justWatch(base: String) throws -> ConnectorConfiguration {
        let text = try #require(ProviderSimulator.connectorFiles(base: base)["justwatch"])
        return try ConnectorConfiguration.parse(text, file: "connectors/justwatch.yml")
    }

    @Test func runsOnlyTheNamedStreamsUnderItsOwnJob() async throws {
        try await Simulator.serve(logger: Self.logger) { _, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            var ingest = ManualIngest(configuration: try justWatch(base: base))
            ingest.streams = ["popular"]
            let report = try await ingest.run(store: store, logger: Self.logger)
            #expect(report.streams.map(\.stream) == ["justwatch/popular"])
            #expect(report.outcome == .success && report.counts.new > 0)
            #expect(try store.runs().first?.job == "ingest:justwatch")
        }
    }

    @Test func anUnknownStreamIsAConfigurationErrorNamingTheFileAndTheConfiguredOnes() async throws {
        try await Simulator.serve(logger: Self.logger) { _, base in
            let store = try StagingStore(path: temporaryDirectory() + "/staging.sqlite")
            var ingest = ManualIngest(configuration: try justWatch(base: base))
            ingest.streams = ["popular", "trending"]
            await #expect {
                _ = try await ingest.run(store: store, logger: Self.logger)
            } throws: { error in
                guard let error = error as? MediaError else { return false }
                return error.code == .configuration && error.message.contains("connectors/justwatch.yml")
                    && error.message.contains("no stream 'trending'") && error.message.contains("popular")
            }
            #expect(try store.runs().isEmpty, "nothing ran")
        }
    }
}
