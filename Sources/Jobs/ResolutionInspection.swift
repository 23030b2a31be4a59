import Foundation
import MediaModel
import Resolution
import Staging

/// What `mediagw resolve explain` and `resolve report` read from staging: why records are one
/// title or not, and which provider values have no mapping.
public enum ResolutionInspection {
    /// Why each record of `subject` is or is not one title with its candidates. `subject` is a
    /// live record's source key, or a canonical id (or an alias of one), which stands for the
    /// live records the last build assigned to it.
    public static func explain(
        _ subject: String,
        store: any RecordStore & IdentityStore,
        resolver: ScoringResolver
    ) throws -> [Explanation] {
        let records = try store.liveRecords(source: nil)
        var keys = [subject]
        if !records.contains(where: { $0.key == subject }) {
            let identity = try store.identityMap()
            let id = identity.aliases[subject] ?? subject
            let live = Set(records.map(\.key))
            keys = identity.assignments.filter { $0.value == id && live.contains($0.key) }.map(\.key).sorted()
            guard !keys.isEmpty else {
                throw MediaError(.notFound, "no live record or canonical id '\(subject)' in \(store.path)")
            }
        }
        return keys.compactMap { resolver.explain($0, in: records) }
    }

    /// Provider values without a mapping over the last runs, and the records without a genre.
    public struct UnmappedReport: Sendable, Equatable {
        /// `provider value` (`watchmode genre:Anime`) → how often the runs' streams met it.
        public var values: [String: Int]
        /// Live records of a kind that should have a genre (not episodes) but have none.
        public var recordsWithoutGenre: Int
        public var records: Int

        /// Most frequent first, then by name.
        public var sortedValues: [(value: String, count: Int)] {
            values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Counts the unmapped values the stream reports of the last `runs` runs recorded.
    public static func unmapped(store: any RecordStore & RunStore, runs: Int) throws -> UnmappedReport {
        var values: [String: Int] = [:]
        for run in try store.runs(job: nil, limit: runs) {
            for stream in try store.streams(runID: run.id) {
                guard let json = stream.unmappedJSON,
                    let counts = try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))
                else { continue }
                let provider = stream.stream.split(separator: "/").first ?? ""
                for (value, count) in counts { values["\(provider) \(value)", default: 0] += count }
            }
        }
        let records = try store.liveRecords(source: nil)
        return UnmappedReport(
            values: values,
            recordsWithoutGenre: records.filter { ($0.genres ?? []).isEmpty && $0.kind != .episode }.count,
            records: records.count
        )
    }
}
