import Foundation
import HTTPClient
import MediaModel

/// Where the store is and how to reach it.
public struct S3Configuration: Sendable {
    /// How a bucket is named in a request URL.
    public enum Addressing: String, Sendable, CaseIterable {
        /// `https://endpoint/bucket/key`: what self-hosted servers (SeaweedFS, MinIO) expect.
        case path
        /// `https://bucket.endpoint/key`: AWS's default.
        case virtualHost = "virtual"
    }

    public var endpoint: URL
    public var region: String
    public var addressing: Addressing
    public var credentials: S3Credentials
    /// Attempts and waits for 5xx answers, throttling and network failures.
    public var backoff: Backoff
    /// Seconds one request may take.
    public var timeout: TimeInterval

    public init(
        endpoint: URL,
        region: String = "us-east-1",
        addressing: Addressing = .path,
        credentials: S3Credentials,
        backoff: Backoff = Backoff(maxAttempts: 4, baseDelay: .milliseconds(200), maxDelay: .seconds(5)),
        timeout: TimeInterval = 60
    ) {
        self.endpoint = endpoint
        self.region = region
        self.addressing = addressing
        self.credentials = credentials
        self.backoff = backoff
        self.timeout = timeout
    }

    /// The configuration a command uses. The endpoint is `endpoint` (an `endpoint:` setting or
    /// `--s3-endpoint`), else `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (the AWS SDKs'
    /// convention), else AWS's own for the region. The region is `region`, else `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`, else `us-east-1`. Addressing defaults to virtual-host style on AWS
    /// and path style elsewhere.
    public static func resolve(
        endpoint: String? = nil,
        region: String? = nil,
        addressing: Addressing? = nil,
        credentialsFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> S3Configuration {
        func setting(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        let region = region ?? setting("AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1"
        let text =
            endpoint ?? setting("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL") ?? "https://s3.\(region).amazonaws.com"
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            throw MediaError(.configuration, "the object-store endpoint '\(text)' is not an http(s) URL")
        }
        let onAWS = url.host!.hasSuffix(".amazonaws.com")
        return S3Configuration(
            endpoint: url,
            region: region,
            addressing: addressing ?? (onAWS ? .virtualHost : .path),
            credentials: try S3Credentials.resolve(file: credentialsFile, environment: environment)
        )
    }
}

/// An object's size, entity tag and user metadata (`x-amz-meta-*`, names lower-cased).
public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var etag: String
    public var lastModified: Date?
    public var metadata: [String: String]
}
