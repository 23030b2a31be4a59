import Compression
import Connectors
import Foundation
import Logging
import MediaModel
import Staging

/// Imports a source-record JSONL file (plain, gzip or zstd; a path or `-`) into staging.
///
/// Lines are read in pages; each page — its raw lines, the records, the rejected lines and the
/// cursor — commits in one transaction. Bad lines are quarantined with their line number and
/// reason and the import goes on. Re-importing the same file changes nothing.
public struct CatalogImporter: Sendable {
    /// What an import did.
    public struct Summary: Sendable, Codable, Equatable {
        public var runID: Int64
        public var counts: IngestCounts
        /// Field names the format does not define, with how many lines had them (ignored).
        public var unknownFields: [String: Int]
        public var encoding: String
    }

    public var source: String
    /// Lines per committed page.
    public var pageSize: Int
    /// Whether the file is the source's full listing: records it lacks are tombstoned.
    public var isFullListing: Bool
    public var logger: Logger

    public init(source: String, pageSize: Int = 1000, isFullListing: Bool = false, logger: Logger) {
        self.source = source
        self.pageSize = pageSize
        self.isFullListing = isFullListing
        self.logger = logger
    }

    /// Whether `name` is usable as a source name.
    public static func isValidSourceName(_ name: String) -> Bool {
        ServiceCatalog.isWellFormed(name)
    }

    public func importFile(_ path: String, into store: StagingStore) throws -> Summary {
        let reader: LineReader
        do {
            reader = try LineReader(path: path)
        } catch {
            throw MediaError(.notFound, "\(error)")
        }
        let runID = try store.beginRun(job: "import:\(source)", kind: "import")
        let decoder = SourceRecordDecoder(source: source)
        var counts = IngestCounts()
        var unknown: [String: Int] = [:]
        var firstLineOfID: [String: Int] = [:]
        var lineNumber = 0
        var failure: (any Error)?
        let fileName = path == "-" ? "stdin" : (path as NSString).lastPathComponent
        while failure == nil {
            var raw = Data()
            var page = StagedPage(source: source, raw: Data(), rawLocation: "")
            let firstLine = lineNumber + 1
            var lines: [Data] = []
            do {
                while lines.count < pageSize, let line = try reader.readLine() {
                    lines.append(line)
                    raw.append(line)
                    raw.append(0x0a)
                }
            } catch {
                // A truncated or corrupt compressed file: keep what was read, report the rest.
                failure = error
            }
            let linesInPage = lines.count
            // Decoding and validation are independent per line; duplicates are checked in order after.
            let outcomes = lines.parallelMap { decoder.decode($0) }
            for (line, outcome) in zip(lines, outcomes) {
                lineNumber += 1
                let location = "\(fileName):\(lineNumber)"
                switch outcome {
                case .blank:
                    continue
                case .rejected(let reason):
                    page.rejections.append(.init(location: location, reason: reason, excerpt: Self.excerpt(line)))
                case .record(let record, let unknownFields):
                    if let first = firstLineOfID[record.id] {
                        page.rejections.append(
                            .init(
                                location: location,
                                reason: "duplicate id '\(record.id)' (first seen at line \(first))",
                                excerpt: Self.excerpt(line)
                            )
                        )
                        continue
                    }
                    firstLineOfID[record.id] = lineNumber
                    for field in unknownFields { unknown[field, default: 0] += 1 }
                    page.items.append(.init(record: record, location: location))
                }
            }
            if linesInPage == 0 { break }
            page.raw = raw
            page.rawLocation = "\(fileName):\(firstLine)-\(lineNumber)"
            page.cursor = .init(job: "import:\(source)", stream: fileName, value: String(lineNumber))
            do {
                counts += try store.commit(page, runID: runID)
            } catch {
                // Staging itself failed (full disk, I/O): the pages before this one stay committed.
                try? store.finishRun(id: runID, outcome: "failed", counts: counts, message: "\(error)")
                throw error
            }
            logger.debug(
                "committed page",
                metadata: ["import.source": "\(source)", "import.lines": "\(firstLine)-\(lineNumber)"]
            )
        }
        if let failure {
            try store.finishRun(id: runID, outcome: "failed", counts: counts, message: "\(failure)")
            throw MediaError(
                .badInput,
                "\(failure) — after line \(lineNumber); the \(counts.read) lines before it were imported"
            )
        }
        if isFullListing {
            counts.tombstoned = try store.tombstoneUnseen(source: source, runID: runID)
        }
        try store.finishRun(id: runID, outcome: counts.quarantined > 0 ? "partial" : "success", counts: counts)
        return Summary(runID: runID, counts: counts, unknownFields: unknown, encoding: reader.encoding.rawValue)
    }

    private static func excerpt(_ line: Data) -> String {
        String(decoding: line.prefix(500), as: UTF8.self)
    }
}
