import Foundation
import MediaModel

/// `s3://bucket/prefix`: a bucket and a key prefix (without slashes at either end; may be empty).
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// Parses `s3://bucket[/prefix]`; anything else is a usage error that shows the expected form.
    public init(parsing text: String) throws {
        guard text.hasPrefix("s3://") else {
            throw MediaError(.usage, "'\(text)' is not an object-store location; expected s3://BUCKET[/PREFIX]")
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard (3...63).contains(bucket.count),
            bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") })
        else {
            throw MediaError(
                .usage,
                "'\(bucket)' in \(text) is not a bucket name: 3–63 lower-case letters, digits, '-' or '.'"
            )
        }
        self.init(bucket: bucket, prefix: String(rest.dropFirst(bucket.count)))
    }

    /// Whether `text` is meant as an object-store location (for commands that take either).
    public static func isLocation(_ text: String) -> Bool { text.hasPrefix("s3://") }

    /// The key of `name` under the prefix.
    public func key(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix)/\(name)" }

    /// The prefix as a listing prefix (with its trailing slash).
    public var listingPrefix: String { prefix.isEmpty ? "" : "\(prefix)/" }

    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}
