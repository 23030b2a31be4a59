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
        /// The line an interrupted import of the same file had committed, where this one began.
        public var resumedAfterLine: Int?
    }

    public var source: String
    /// Lines per committed page.
    public var pageSize: Int
    /// Whether the file is the source's full listing: records it lacks are tombstoned.
    public var isFullListing: Bool
    /// Whether an import of a file whose earlier import was interrupted goes on after the last
    /// line that import committed (when the file is unchanged) rather than from line 1.
    public var resumes: Bool
    public var logger: Logger
    /// Hears after each committed page how many bytes of the file are read (of its size, unless
    /// it is standard input) and how many lines.
    public var onProgress: ProgressHandler?

    public init(
        source: String,
        pageSize: Int = 1000,
        isFullListing: Bool = false,
        resumes: Bool = true,
        logger: Logger
    ) {
        self.source = source
        self.pageSize = pageSize
        self.isFullListing = isFullListing
        self.resumes = resumes
        self.logger = logger
    }

    /// Where an import of one file has got to: the last committed line, and the file's size and
    /// modification time then, so that a changed file is never resumed part-way.
    struct Position: Codable, Equatable {
        var line: Int
        var size: Int
        var modified: Double

        static func of(_ path: String) -> (size: Int, modified: Double)? {
            guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
            else { return nil }
            return (size, modified.timeIntervalSince1970)
        }

        var text: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
    }

    /// The line to go on after, when the last import of `path` was interrupted and the file is
    /// the same. Not for a full listing: it must see every record to know what to tombstone.
    private func resumeLine(_ path: String, fileName: String, in store: any RecordStore & RunStore) throws -> Int? {
        guard resumes, !isFullListing, let file = Position.of(path),
            let saved = try store.cursor(job: "import:\(source)", stream: fileName),
            let position = try? JSONDecoder().decode(Position.self, from: Data(saved.utf8)),
            position.line > 0, position.size == file.size, position.modified == file.modified
        else { return nil }
        return position.line
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
        let file = Position.of(path)
        let resumedAfter = try resumeLine(path, fileName: fileName, in: store)
        if let resumedAfter {
            // Lines already committed are read past, not decoded or staged again.
            do {
                while lineNumber < resumedAfter, try reader.readLine() != nil { lineNumber += 1 }
            } catch {
                failure = error
            }
            logger.info(
                "resuming an interrupted import",
                metadata: ["import.source": "\(source)", "import.file": "\(fileName)", "import.line": "\(lineNumber)"]
            )
        }
        func position(_ line: Int) -> String {
            Position(line: line, size: file?.size ?? -1, modified: file?.modified ?? 0).text
        }
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
            page.cursor = .init(job: "import:\(source)", stream: fileName, value: position(lineNumber))
            do {
                counts += try store.commit(page, runID: runID)
            } catch {
                // Staging itself failed (full disk, I/O): the pages before this one stay committed.
                try? store.finishRun(id: runID, outcome: .failed, counts: counts, message: "\(error)")
                throw error
            }
            logger.debug(
                "committed page",
                metadata: ["import.source": "\(source)", "import.lines": "\(firstLine)-\(lineNumber)"]
            )
            onProgress?(
                StepProgress(
                    step: "import",
                    done: reader.bytesRead,
                    total: file?.size,
                    unit: "bytes",
                    detail: "\(lineNumber) lines"
                )
            )
        }
        if let failure {
            try store.finishRun(id: runID, outcome: .failed, counts: counts, message: "\(failure)")
            throw MediaError(
                .badInput,
                "\(failure) — after line \(lineNumber); the \(counts.read) lines before it were imported"
            )
        }
        if isFullListing {
            counts.tombstoned = try store.tombstoneUnseen(source: source, runID: runID)
        }
        // Finished: the next import of this file reads it whole again.
        try store.saveCursor(.init(job: "import:\(source)", stream: fileName, value: position(0)))
        try store.finishRun(id: runID, outcome: counts.quarantined > 0 ? .partial : .success, counts: counts)
        return Summary(
            runID: runID,
            counts: counts,
            unknownFields: unknown,
            encoding: reader.encoding.rawValue,
            resumedAfterLine: resumedAfter
        )
    }

    private static func excerpt(_ line: Data) -> String {
        String(decoding: line.prefix(500), as: UTF8.self)
    }
}
