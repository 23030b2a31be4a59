import Foundation
import MediaModel
@testable import ObjectStore
import Snapshots
import TestSupport
import Testing

/// The client against a real S3-compatible server (SeaweedFS on loopback), a bucket per test.
@Suite struct S3ClientTests {
    let server: SeaweedFS
    let client: S3Client
    let bucket = "t-\(UUID().uuidString.prefix(8).lowercased())"

    init() async throws {
        server = try SeaweedFS.shared()
        client = S3Client(configuration: Self.configuration(server))
        try await client.createBucket(bucket)
    }

    static func configuration(_ server: SeaweedFS, secret: String? = nil) -> S3Configuration {
        S3Configuration(
            endpoint: server.endpoint,
            credentials: S3Credentials(accessKeyID: server.accessKey, secretAccessKey: secret ?? server.secretKey)
        )
    }

    @Test func objectsRoundTripWithRangesMetadataAndDeletion() async throws {
        let body = Data((0..<1000).map { UInt8($0 % 251) })
        try await client.put(bucket: bucket, key: "a/b.bin", body: body, metadata: ["sha256": "abc"])
        let info = try #require(try await client.head(bucket: bucket, key: "a/b.bin"))
        #expect(info.size == 1000 && info.metadata["sha256"] == "abc")
        guard
            case .object(let slice, let sliceInfo) = try await client.get(
                bucket: bucket,
                key: "a/b.bin",
                range: 10..<20
            )
        else { Issue.record("no object"); return }
        #expect(slice == body.subdata(in: 10..<20))
        #expect(sliceInfo.size == 1000)
        try await client.delete(bucket: bucket, key: "a/b.bin")
        #expect(try await client.head(bucket: bucket, key: "a/b.bin") == nil)
        guard case .missing = try await client.get(bucket: bucket, key: "a/b.bin") else {
            Issue.record("a deleted object was found")
            return
        }
    }

    @Test func aKeyWithSpacesAndUnicodeIsSignedAsTheServerExpects() async throws {
        let key = "snapshots/my key/café ☕+1.mgws"
        try await client.put(bucket: bucket, key: key, body: Data("x".utf8))
        #expect(try await client.head(bucket: bucket, key: key)?.size == 1)
        #expect(try await client.list(bucket: bucket, prefix: "snapshots/").map(\.key) == [key])
    }

    @Test func conditionalRequestsAnswerAlreadyExistsAndNotModified() async throws {
        let first = try await client.put(bucket: bucket, key: "CURRENT", body: Data("one\n".utf8), ifNoneMatch: true)
        guard case .stored = first else { Issue.record("first conditional put refused"); return }
        #expect(
            try await client.put(bucket: bucket, key: "CURRENT", body: Data("two".utf8), ifNoneMatch: true)
                == .alreadyExists
        )
        guard case .object(_, let info) = try await client.get(bucket: bucket, key: "CURRENT") else {
            Issue.record("no object")
            return
        }
        guard case .notModified = try await client.get(bucket: bucket, key: "CURRENT", ifNoneMatch: info.etag) else {
            Issue.record("an unchanged object was sent again")
            return
        }
        try await client.put(bucket: bucket, key: "CURRENT", body: Data("three\n".utf8))
        guard case .object(let body, _) = try await client.get(bucket: bucket, key: "CURRENT", ifNoneMatch: info.etag)
        else { Issue.record("a changed object was reported unchanged"); return }
        #expect(String(decoding: body, as: UTF8.self) == "three\n")
    }

    @Test func listingFollowsContinuationTokens() async throws {
        for index in 0..<7 { try await client.put(bucket: bucket, key: "p/k\(index)", body: Data([UInt8(index)])) }
        try await client.put(bucket: bucket, key: "other", body: Data())
        let keys = try await client.list(bucket: bucket, prefix: "p/", maxKeys: 2).map(\.key)
        #expect(keys == (0..<7).map { "p/k\($0)" })
    }

    @Test func multipartUploadsAndRangedDownloadsRebuildTheFileExactly() async throws {
        let options = TransferOptions(partSize: 5 << 20, concurrency: 3, multipartThreshold: 6 << 20)
        var random = SplitMix64(seed: 7)
        let bytes = Data((0..<(12 << 20) + 123).map { _ in UInt8.random(in: 0...255, using: &random) })
        let directory = temporaryDirectory("s3")
        let source = directory + "/source.bin"
        try bytes.write(to: URL(fileURLWithPath: source))
        try await client.upload(
            file: source,
            bucket: bucket,
            key: "big.bin",
            metadata: ["sha256": "x"],
            options: options
        )
        let info = try #require(try await client.head(bucket: bucket, key: "big.bin"))
        #expect(info.size == bytes.count && info.metadata["sha256"] == "x")
        // A multipart object's entity tag says how many parts it has.
        #expect(info.etag.hasSuffix("-3\""))
        let target = directory + "/copy.bin"
        try await client.download(info, bucket: bucket, to: target, options: options)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == bytes)
        #expect(!FileManager.default.fileExists(atPath: target + ".parts"))
    }

    @Test func anInterruptedDownloadResumesWithOnlyTheMissingParts() async throws {
        let options = TransferOptions(partSize: 5 << 20, concurrency: 2)
        let bytes = Data((0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await client.put(bucket: bucket, key: "resume.bin", body: bytes)
        let info = try #require(try await client.head(bucket: bucket, key: "resume.bin"))
        let target = temporaryDirectory("s3") + "/resume.bin"
        // As a killed download leaves it: part 1 on disk and in the ledger, the rest zeros.
        var partial = Data(count: bytes.count)
        partial.replaceSubrange(5 << 20..<10 << 20, with: bytes.subdata(in: 5 << 20..<10 << 20))
        try partial.write(to: URL(fileURLWithPath: target))
        try "\(info.etag)\n1\n".write(toFile: target + ".parts", atomically: true, encoding: .utf8)
        try await client.download(info, bucket: bucket, to: target, options: options)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == bytes)
        // A ledger for another version of the object is not trusted: everything is fetched.
        try Data(count: bytes.count).write(to: URL(fileURLWithPath: target))
        try "\"other-etag\"\n0\n1\n2\n".write(toFile: target + ".parts", atomically: true, encoding: .utf8)
        try await client.download(info, bucket: bucket, to: target, options: options)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == bytes)
    }

    @Test func aWrongSecretIsAClearErrorNamingTheBucketAndNeverTheSecret() async throws {
        let wrong = "definitely-not-the-secret-\(UUID())"
        let refused = S3Client(configuration: Self.configuration(server, secret: wrong))
        let error = try #require(
            await #expect(throws: MediaError.self) {
                try await refused.put(bucket: bucket, key: "x", body: Data("x".utf8))
            }
        )
        #expect(error.code == .configuration)
        #expect(error.message.contains("SignatureDoesNotMatch"))
        #expect(error.message.contains("bucket '\(bucket)'"))
        #expect(!error.message.contains(wrong))
    }

    @Test func anUnreachableStoreIsRetriedThenReportedAsIO() async throws {
        var configuration = Self.configuration(server)
        configuration.endpoint = URL(string: "http://127.0.0.1:9")!
        configuration.backoff = .init(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))
        let error = try #require(
            await #expect(throws: MediaError.self) {
                _ = try await S3Client(configuration: configuration).head(bucket: bucket, key: "x")
            }
        )
        #expect(error.code == .io && error.message.contains("after 2 attempts"))
    }
}
