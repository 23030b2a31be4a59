import ConfigFiles
import Connectors
import Foundation
import MediaModel
import Resolution

/// The matcher's settings (`resolution/settings.yml`) and people's decisions
/// (`resolution/overrides.yml`). Missing files mean the defaults and no overrides.
public struct ResolutionConfiguration: Sendable {
    public var settings = MatchSettings()
    public var overrides = Overrides()
    public var merge = MergePolicy()
    /// Where the overrides live (for `resolve merge` and `resolve split`).
    public var overridesFile: String

    public init(directory: String) throws {
        overridesFile = "\(directory)/overrides.yml"
        let settingsFile = "\(directory)/settings.yml"
        if FileManager.default.fileExists(atPath: settingsFile) {
            try readSettings(try ConfigNode.load(file: settingsFile))
        }
        if FileManager.default.fileExists(atPath: overridesFile) {
            overrides = try Self.readOverrides(try ConfigNode.load(file: overridesFile))
        }
    }

    /// The matcher these settings describe.
    public var resolver: ScoringResolver {
        var resolver = ScoringResolver(settings: settings, overrides: overrides)
        resolver.merge = merge
        return resolver
    }

    private mutating func readSettings(_ root: ConfigNode) throws {
        let top = try root.members(allowed: ["thresholds", "year_tolerance", "max_block_size", "weights", "merge"])
        if let node = top["thresholds"] {
            let members = try node.members(allowed: ["merge", "review", "evidence"])
            settings.mergeThreshold = try members["merge"]?.double(in: 0...1) ?? settings.mergeThreshold
            settings.reviewThreshold = try members["review"]?.double(in: 0...1) ?? settings.reviewThreshold
            settings.evidenceWeight = try members["evidence"]?.double(in: 0...1) ?? settings.evidenceWeight
            guard settings.reviewThreshold <= settings.mergeThreshold else {
                throw node.error("'review' must not be above 'merge'")
            }
        }
        settings.yearTolerance = try top["year_tolerance"]?.int(in: 0...50) ?? settings.yearTolerance
        settings.maxBlockSize = try top["max_block_size"]?.int(in: 2...100_000) ?? settings.maxBlockSize
        if let node = top["weights"] {
            let members = try node.members(allowed: ["title", "year", "runtime", "directors", "cast", "language"])
            settings.titleWeight = try members["title"]?.double(in: 0...1) ?? settings.titleWeight
            settings.yearWeight = try members["year"]?.double(in: 0...1) ?? settings.yearWeight
            settings.runtimeWeight = try members["runtime"]?.double(in: 0...1) ?? settings.runtimeWeight
            settings.directorWeight = try members["directors"]?.double(in: 0...1) ?? settings.directorWeight
            settings.castWeight = try members["cast"]?.double(in: 0...1) ?? settings.castWeight
            settings.languageWeight = try members["language"]?.double(in: 0...1) ?? settings.languageWeight
            let total =
                settings.titleWeight + settings.yearWeight + settings.runtimeWeight + settings.directorWeight
                + settings.castWeight + settings.languageWeight
            guard abs(total - 1) < 0.001 else {
                throw node.error("the weights must add up to 1, they add up to \(total)")
            }
        }
        if let node = top["merge"] {
            let members = try node.members(allowed: ["priority", "genres_cap"])
            for (field, sources) in try members["priority"]?.table() ?? [] {
                guard field == "default" || MergePolicy.fields.contains(field) else {
                    throw sources.error(
                        "unknown field '\(field)'; expected default or one of \(MergePolicy.fields.joined(separator: ", "))"
                    )
                }
                merge.priority[field] = try sources.strings()
            }
            merge.genresCap = try members["genres_cap"]?.int(in: 1...100) ?? merge.genresCap
        }
    }

    static func readOverrides(_ root: ConfigNode) throws -> Overrides {
        let top = try root.members(allowed: ["merge", "split"])
        var overrides = Overrides()
        for entry in try top["merge"]?.list() ?? [] {
            let keys = try entry.strings()
            guard keys.count >= 2 else { throw entry.error("expected at least two source keys") }
            overrides.merge.append(keys)
        }
        for entry in try top["split"]?.list() ?? [] {
            let keys = try entry.strings()
            guard keys.count == 2 else { throw entry.error("expected exactly two source keys") }
            overrides.split.append((keys[0], keys[1]))
        }
        return overrides
    }

    /// Appends a decision to the overrides file, keeping what is there.
    public static func record(_ decision: String, _ keys: [String], in file: String) throws {
        var text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        var overrides = text.isEmpty ? Overrides() : try readOverrides(try ConfigNode.parse(text, file: file))
        if decision == "merge" { overrides.merge.append(keys) } else { overrides.split.append((keys[0], keys[1])) }
        func quoted(_ key: String) -> String { "\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let header = text.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("#") }
        text = header.map { $0 + "\n" }.joined()
        text += overrides.merge.isEmpty ? "merge: []\n" : "merge:\n"
        for group in overrides.merge { text += "  - [\(group.map(quoted).joined(separator: ", "))]\n" }
        text += overrides.split.isEmpty ? "split: []\n" : "split:\n"
        for (a, b) in overrides.split { text += "  - [\(quoted(a)), \(quoted(b))]\n" }
        do {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw MediaError(.io, "cannot write \(file): \(error.localizedDescription)")
        }
    }
}
