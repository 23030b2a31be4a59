import Foundation
import MediaModel
import NIOCore
import Snapshots

/// Change events: each change of a publish as one JSON message on NATS JetStream, subject
/// `PREFIX.<kind>.<country>.<service>` (`_` where a title-level change has no offer), with a
/// message id per change (`Nats-Msg-Id: <to-build>.<index>`) so that the stream drops a resent
/// duplicate (`docs/formats/changes.md`, "Events").
public enum ChangeEvents {
    /// A subject prefix: dot-separated tokens of letters, digits, `-` and `_`, no wildcards.
    public static func checkPrefix(_ prefix: String) throws {
        let tokens = prefix.split(separator: ".", omittingEmptySubsequences: false)
        guard !prefix.isEmpty, tokens.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isSubjectCharacter) }) else {
            throw MediaError(
                .configuration,
                "subject prefix '\(prefix)' is not a NATS subject: use dot-separated words of letters, digits, "
                    + "'-' and '_' (no spaces, no '*' or '>'), such as mediagw.changes"
            )
        }
    }

    static func isSubjectCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_")
    }

    /// One subject token from a value: characters NATS would read as structure become `_`.
    static func token(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "_" }
        return String(value.map { isSubjectCharacter($0) ? $0 : "_" })
    }

    public static func subject(prefix: String, _ change: ChangeSet.Change) -> String {
        "\(prefix).\(change.kind.rawValue).\(token(change.country)).\(token(change.service))"
    }

    public static func messageID(_ set: ChangeSet, index: Int) -> String { "\(set.to).\(index)" }

    /// The message body: the change, with the builds it leads from and to and its place.
    struct Event: Encodable {
        var from: String
        var to: String
        var index: Int
        var count: Int
        var change: ChangeSet.Change
    }

    public static func payload(_ set: ChangeSet, index: Int) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            Event(from: set.from, to: set.to, index: index, count: set.changes.count, change: set.changes[index])
        )
    }

    /// How far a send got: the changes acknowledged from the start on, and why it stopped.
    public struct Progress: Sendable {
        public var acknowledged: Int
        /// Acknowledgements the stream marked as duplicates (sent before, kept once).
        public var duplicates: Int
        public var error: MediaError?

        public init(acknowledged: Int, duplicates: Int = 0, error: MediaError? = nil) {
            self.acknowledged = acknowledged
            self.duplicates = duplicates
            self.error = error
        }
    }

    /// Publishes `set`'s changes from `start` on, `window` awaiting their acknowledgement at a
    /// time, and reports the count acknowledged without a gap (so a resend starts where it
    /// stopped). A change the stream refuses, or a connection that fails, stops the send.
    public static func send(
        _ set: ChangeSet,
        from start: Int,
        prefix: String,
        over connection: NATSConnection,
        window: Int = 256,
        timeout: TimeAmount = .seconds(5),
        progress: (Int) throws -> Void = { _ in }
    ) async -> Progress {
        var result = Progress(acknowledged: start, duplicates: 0)
        var next = start
        while next < set.changes.count {
            let end = min(next + window, set.changes.count)
            var replies: [EventLoopFuture<NATSMessage>] = []
            do {
                for index in next..<end {
                    let change = set.changes[index]
                    replies.append(
                        connection.request(
                            subject(prefix: prefix, change),
                            headers: [("Nats-Msg-Id", messageID(set, index: index))],
                            payload: try payload(set, index: index),
                            timeout: timeout
                        )
                    )
                }
                for (offset, reply) in replies.enumerated() {
                    let index = next + offset
                    let acknowledgement = try acknowledgement(try await reply.get(), for: set.changes[index], prefix)
                    if acknowledgement.duplicate { result.duplicates += 1 }
                    result.acknowledged = index + 1
                }
                try progress(result.acknowledged)
            } catch {
                // Wait for the rest of the window so nothing is left writing after we return.
                for reply in replies { _ = try? await reply.get() }
                result.error =
                    error as? MediaError
                    ?? MediaError(
                        .io,
                        "publishing to \(connection.address) failed after \(result.acknowledged) of "
                            + "\(set.changes.count) changes: \(error)"
                    )
                return result
            }
            next = end
        }
        return result
    }

    struct Acknowledgement: Decodable {
        struct Problem: Decodable {
            var code: Int?
            var description: String?
        }
        var stream: String?
        var seq: Int?
        var duplicate: Bool?
        var error: Problem?
    }

    static func acknowledgement(
        _ reply: NATSMessage,
        for change: ChangeSet.Change,
        _ prefix: String
    ) throws -> (stream: String, duplicate: Bool) {
        if reply.status == 503 {
            throw MediaError(
                .io,
                "no JetStream stream takes subject \(subject(prefix: prefix, change)); create one for "
                    + "'\(prefix).>' (docs/operations.md, \"Change events\")"
            )
        }
        guard let parsed = try? JSONDecoder().decode(Acknowledgement.self, from: reply.payload) else {
            throw MediaError(.io, "the NATS server's reply is not a JetStream acknowledgement")
        }
        if let problem = parsed.error {
            throw MediaError(
                .io,
                "JetStream refused a change event: \(problem.description ?? "error \(problem.code ?? 0)")"
            )
        }
        guard let stream = parsed.stream, parsed.seq != nil else {
            throw MediaError(.io, "the NATS server's reply is not a JetStream acknowledgement")
        }
        return (stream, parsed.duplicate ?? false)
    }
}
