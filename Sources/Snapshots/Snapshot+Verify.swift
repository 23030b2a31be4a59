import Compression
import Crypto
import Foundation
import MediaModel

extension Snapshot {
    /// The result of checking every checksum in the file.
    public struct Verification: Sendable {
        /// Names of sections whose CRC-32 does not match.
        public var badSections: [String]
        /// Whether the whole-file SHA-256 matches the footer.
        public var digestMatches: Bool
        /// The SHA-256 computed over the file up to the footer (hex).
        public var computedDigest: String

        public var isValid: Bool { badSections.isEmpty && digestMatches }
    }

    /// Checks every section's CRC-32 and the whole-file SHA-256.
    public func check() -> Verification {
        var bad: [String] = []
        for info in sections {
            let region = file.bytes.slice(info.offset, info.length)
            if CRC32.checksum(region) != info.checksum { bad.append(info.name) }
        }
        let digest = Hex.encode(SHA256.hash(data: file.bytes.slice(0, file.bytes.count - SnapshotFormat.footerLength)))
        return Verification(badSections: bad, digestMatches: digest == recordedDigest, computedDigest: digest)
    }

    /// Opens the snapshot at `path` and verifies it before anything reads it: what serves or
    /// exports titles uses this, so a damaged file is refused by name instead of read.
    public static func verified(path: String) throws -> Snapshot {
        let snapshot = try Snapshot(path: path)
        try snapshot.verify()
        return snapshot
    }

    /// Throws a ``MediaError`` naming the first bad section (or the digest) unless the file verifies.
    public func verify() throws {
        let result = check()
        let name = (path as NSString).lastPathComponent
        if let first = result.badSections.first {
            throw MediaError(
                .corruptSnapshot,
                "snapshot \(name) is corrupt: section '\(first)' checksum mismatch"
                    + (result.badSections.count > 1
                        ? " (also: \(result.badSections.dropFirst().joined(separator: ", ")))" : "")
            )
        }
        if !result.digestMatches {
            throw MediaError(
                .corruptSnapshot,
                "snapshot \(name) is corrupt: whole-file SHA-256 does not match the footer"
            )
        }
        // Checksums prove the bytes are the ones written, not that a writer wrote them right:
        // graph search follows ids without bounds checks, so every one is checked here.
        // A scale that is not finite would turn every similarity with its vector into NaN.
        if let vectors, !vectors.scalesAreWellFormed {
            throw MediaError(
                .corruptSnapshot,
                "snapshot \(name) is corrupt: section 'vec.scales' holds a scale that is not finite"
            )
        }
        if metadata.embedding?.graph != nil, vectorGraph?.isWellFormed != true {
            throw MediaError(.corruptSnapshot, "snapshot \(name) is corrupt: section 'vec.graph' is malformed")
        }
    }
}
