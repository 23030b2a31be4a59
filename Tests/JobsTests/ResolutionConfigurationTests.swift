import Foundation
import MediaModel
import Resolution
import TestSupport
import Testing

@testable import Jobs

struct ResolutionConfigurationTests {
    func directory(settings: String? = nil, overrides: String? = nil) throws -> String {
        let directory = temporaryDirectory()
        if let settings { try Data(settings.utf8).write(to: URL(fileURLWithPath: directory + "/settings.yml")) }
        if let overrides { try Data(overrides.utf8).write(to: URL(fileURLWithPath: directory + "/overrides.yml")) }
        return directory
    }

    @Test func missingFilesMeanDefaults() throws {
        let configuration = try ResolutionConfiguration(directory: try directory())
        #expect(configuration.settings == MatchSettings())
        #expect(configuration.overrides == Overrides())
    }

    @Test func theShippedSettingsAreTheDefaults() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let configuration = try ResolutionConfiguration(directory: repository + "/resolution")
        #expect(configuration.settings == MatchSettings())
        #expect(configuration.merge.priority["default"]?.first == "wikidata")
    }

    @Test func settingsAreReadAndCheckedWithFileAndKey() throws {
        let configuration = try ResolutionConfiguration(
            directory: try directory(
                settings:
                    "thresholds: {merge: 0.9, review: 0.7, evidence: 0.85}\nyear_tolerance: 1\nmerge: {priority: {overview: [b, a]}, genres_cap: 3}\n"
            )
        )
        #expect(configuration.settings.mergeThreshold == 0.9)
        #expect(configuration.settings.evidenceWeight == 0.85)
        #expect(configuration.settings.yearTolerance == 1)
        #expect(configuration.merge.priority["overview"] == ["b", "a"])
        #expect(configuration.merge.genresCap == 3)
        for (text, expected) in [
            ("thresholds: {merge: 0.5, review: 0.7}", "'review' must not be above 'merge'"),
            ("weights: {title: 0.9}", "the weights must add up to 1"),
            ("merge: {priority: {plot: [a]}}", "unknown field 'plot'"),
            ("treshold: 1", "did you mean 'thresholds'"),
        ] {
            let folder = try directory(settings: text)
            #expect {
                try ResolutionConfiguration(directory: folder)
            } throws: { error in
                let message = (error as? MediaError)?.message ?? ""
                return message.hasPrefix(folder + "/settings.yml: ") && message.contains(expected)
            }
        }
    }

    @Test func decisionsAreAppendedToTheOverridesFileAndReadBack() throws {
        let folder = try directory(overrides: "# kept\nmerge: []\nsplit: []\n")
        let file = folder + "/overrides.yml"
        try ResolutionConfiguration.record("merge", ["a:1", "b:\"2\""], in: file)
        try ResolutionConfiguration.record("split", ["a:1", "c:3"], in: file)
        try ResolutionConfiguration.record("merge", ["d:4", "e:5", "f:6"], in: file)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# kept\n"))
        let overrides = try ResolutionConfiguration(directory: folder).overrides
        #expect(overrides.merge == [["a:1", "b:\"2\""], ["d:4", "e:5", "f:6"]])
        #expect(overrides.split.map { [$0.0, $0.1] } == [["a:1", "c:3"]])
        #expect(throws: MediaError.self) {
            try ResolutionConfiguration(directory: try directory(overrides: "split: [[a:1]]\n"))
        }
    }
}
