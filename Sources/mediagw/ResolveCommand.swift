import ArgumentParser
import Foundation
import Jobs
import MediaModel
import Resolution
import Staging

/// Where the matcher's settings and overrides live.
struct ResolutionOptions: ParsableArguments {
    @Option(
        name: .customLong("resolution"),
        help: ArgumentHelp("Directory with settings.yml and overrides.yml for the matcher.", valueName: "dir")
    )
    var directory: String = Environment.value("MEDIAGW_RESOLUTION") ?? "resolution"

    func load() throws -> ResolutionConfiguration {
        try ResolutionConfiguration(directory: directory)
    }
}

struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Inspect and steer how records become canonical titles.",
        subcommands: [Review.self, Explain.self, Merge.self, Split.self, Report.self]
    )

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pairs the last build scored between the review and merge thresholds, highest first."
        )
        @Option(help: ArgumentHelp("How many pairs to show.", valueName: "n")) var limit = 50
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let store = try common.existingStaging()
                let pairs = try store.reviewPairs(limit: limit)
                if json {
                    print(String(decoding: try JSONEncoder.pretty.encode(pairs), as: UTF8.self))
                    return
                }
                let records = Dictionary(uniqueKeysWithValues: try store.liveRecords().map { ($0.key, $0) })
                for pair in pairs {
                    func describe(_ key: String) -> String {
                        guard let record = records[key] else { return "\(key) (gone)" }
                        return "\(key) \"\(record.title)\" \(record.year.map(String.init) ?? "?")"
                    }
                    print(String(format: "%.3f  ", pair.scores.score) + describe(pair.a) + "  ~  " + describe(pair.b))
                    print("       " + String(decoding: try JSONEncoder.compact.encode(pair.scores), as: UTF8.self))
                }
                if pairs.isEmpty {
                    print("nothing to review")
                } else {
                    print("decide with `mediagw resolve merge A B` or `mediagw resolve split A B`")
                }
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Why a record is or is not one title with others: its candidates and their scores."
        )
        @Argument(help: ArgumentHelp("A source key (watchmode:1000042) or a canonical id.", valueName: "key-or-id"))
        var subject: String
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var resolution: ResolutionOptions
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let explanations = try ResolutionInspection.explain(
                    subject,
                    store: try common.existingStaging(),
                    resolver: try resolution.load().resolver
                )
                if json {
                    print(String(decoding: try JSONEncoder.pretty.encode(explanations), as: UTF8.self))
                    return
                }
                for explanation in explanations {
                    print("\(explanation.key) \"\(explanation.title)\" → normalized \(explanation.normalized)")
                    if !explanation.derived.isEmpty {
                        print("  derived forms (a match counts at 0.9): \(explanation.derived)")
                    }
                    if !explanation.externalIDs.isEmpty {
                        print("  ids: \(explanation.externalIDs.joined(separator: ", "))")
                    }
                    print(
                        "  one title with: \(explanation.members.filter { $0 != explanation.key }.joined(separator: ", "))"
                    )
                    print(
                        String(
                            format: "  candidates (merge at %.2f, review at %.2f):",
                            explanation.mergeThreshold,
                            explanation.reviewThreshold
                        )
                    )
                    for candidate in explanation.candidates {
                        let s = candidate.scores
                        var line = String(format: "    %.3f %@ ", s.score, candidate.together ? "same " : "apart")
                        line += "\(candidate.key) \"\(candidate.title)\" \(candidate.year.map(String.init) ?? "?")"
                        line += String(format: " — title %.2f", s.title)
                        if let d = s.yearDistance { line += ", years \(d) apart" }
                        if let d = s.runtimeDistance { line += ", runtimes \(d) min apart" }
                        if let d = s.directors { line += String(format: ", directors %.2f", d) }
                        if let c = s.cast { line += String(format: ", cast %.2f", c) }
                        if let l = s.sameLanguage { line += l ? ", same language" : ", other language" }
                        if let e = s.evidence { line += String(format: ", other evidence %.2f", e) }
                        if let veto = s.veto { line += " (never: \(veto))" }
                        print(line)
                    }
                    if explanation.candidates.isEmpty { print("    none: no other record shares a title key") }
                }
            }
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that records are one title, whatever the scores say (resolution/overrides.yml)."
        )
        @Argument(help: ArgumentHelp("Two or more source keys.", valueName: "key")) var keys: [String]
        @OptionGroup var resolution: ResolutionOptions

        func validate() throws {
            guard keys.count >= 2 else { throw ValidationError("name at least two source keys") }
        }

        func run() async throws {
            try await exitOnError {
                let file = try resolution.load().overridesFile
                try ResolutionConfiguration.record("merge", keys, in: file)
                print("recorded in \(file): merge \(keys.joined(separator: " "))")
            }
        }
    }

    struct Split: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that two records are never one title (resolution/overrides.yml)."
        )
        @Argument(help: ArgumentHelp("A source key.", valueName: "a")) var a: String
        @Argument(help: ArgumentHelp("Another source key.", valueName: "b")) var b: String
        @OptionGroup var resolution: ResolutionOptions

        func run() async throws {
            try await exitOnError {
                let file = try resolution.load().overridesFile
                try ResolutionConfiguration.record("split", [a, b], in: file)
                print("recorded in \(file): split \(a) \(b)")
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Provider values without a mapping (genres, services), from the runs' stream reports."
        )
        @Option(help: ArgumentHelp("Runs to look back over.", valueName: "n")) var runs = 50
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await exitOnError {
                let report = try ResolutionInspection.unmapped(store: try common.existingStaging(), runs: runs)
                print("records without a genre: \(report.recordsWithoutGenre) of \(report.records)")
                if report.values.isEmpty {
                    print("every provider value in the last \(runs) runs has a mapping")
                } else {
                    print("unmapped provider values (add them to connectors/PROVIDER.yml):")
                    for (value, count) in report.sortedValues { print("  \(count)\t\(value)") }
                }
            }
        }
    }
}
