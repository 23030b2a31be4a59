import ArgumentParser
import Foundation
import MediaModel
import ObjectStore

/// How to reach an S3-compatible store, for commands that take `s3://` locations. Credentials
/// come from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` or a file, never
/// from a flag (a flag's value would show in `ps`).
struct ObjectStoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Object-store endpoint URL (default: AWS_ENDPOINT_URL, else AWS's endpoint for the region).",
            valueName: "url"
        )
    )
    var s3Endpoint: String?

    @Option(help: ArgumentHelp("Object-store region (default: AWS_REGION, else us-east-1).", valueName: "region"))
    var s3Region: String?

    @Option(
        help: ArgumentHelp(
            "Bucket addressing: path (self-hosted servers) or virtual (AWS); the default follows the endpoint.",
            valueName: "style"
        )
    )
    var s3Addressing: S3Configuration.Addressing?

    @Option(
        help: ArgumentHelp(
            "AWS shared-credentials file (profile AWS_PROFILE or default); default: the AWS_* variables.",
            valueName: "file"
        )
    )
    var s3Credentials: String?

    func configuration() throws -> S3Configuration {
        try S3Configuration.resolve(
            endpoint: s3Endpoint,
            region: s3Region,
            addressing: s3Addressing,
            credentialsFile: s3Credentials
        )
    }

    func bucket(_ location: S3Location) throws -> SnapshotBucket {
        SnapshotBucket(client: S3Client(configuration: try configuration()), location: location)
    }

    /// For `s3://bucket/prefix` the snapshot `CURRENT` names, for `s3://bucket/prefix/snapshot-….mgws`
    /// that one: downloaded to a temporary file, whose path is returned.
    func download(_ text: String) async throws -> String {
        var location = try S3Location(parsing: text)
        var name: String?
        let last = (location.prefix as NSString).lastPathComponent
        if last.hasSuffix(".mgws") {
            name = last
            location = S3Location(
                bucket: location.bucket,
                prefix: (location.prefix as NSString).deletingLastPathComponent
            )
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mediagw-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await bucket(location).fetchForInspection(name, into: directory)
    }
}

extension S3Configuration.Addressing: ExpressibleByArgument {}
