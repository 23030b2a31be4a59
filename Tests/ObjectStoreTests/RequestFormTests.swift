import Foundation
import HTTPClient
import MediaModel
@testable import ObjectStore
import Testing

/// How requests are formed and retried, without a server: a transport that records and answers.
@Suite struct RequestFormTests {
    final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [HTTPResponse]
        private(set) var requests: [HTTPRequest] = []

        init(_ answers: [HTTPResponse]) { self.answers = answers }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            lock.withLock {
                requests.append(request)
                return answers.count > 1 ? answers.removeFirst() : answers[0]
            }
        }
    }

    static func client(_ transport: ScriptedTransport, endpoint: String, addressing: S3Configuration.Addressing)
        -> S3Client
    {
        S3Client(
            configuration: S3Configuration(
                endpoint: URL(string: endpoint)!,
                region: "eu-central-1",
                addressing: addressing,
                credentials: S3Credentials(accessKeyID: "AKIA", secretAccessKey: "secret"),
                backoff: Backoff(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
            ),
            transport: transport
        )
    }

    @Test func virtualHostAndPathStyleNameTheBucketWhereEachExpects() async throws {
        let transport = ScriptedTransport([HTTPResponse(status: 200)])
        _ = try await Self.client(
            transport,
            endpoint: "https://s3.eu-central-1.amazonaws.com",
            addressing: .virtualHost
        )
        .head(bucket: "media", key: "prod/my key.mgws")
        _ = try await Self.client(transport, endpoint: "http://127.0.0.1:8333", addressing: .path)
            .head(bucket: "media", key: "prod/my key.mgws")
        #expect(
            transport.requests.map(\.url.absoluteString) == [
                "https://media.s3.eu-central-1.amazonaws.com/prod/my%20key.mgws",
                "http://127.0.0.1:8333/media/prod/my%20key.mgws",
            ]
        )
        let authorization = try #require(transport.requests[0].headers["Authorization"])
        #expect(
            authorization.contains("/eu-central-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,")
        )
        #expect(!authorization.contains("secret"))
    }

    @Test func theEndpointAndRegionComeFromTheAWSVariablesUnlessGiven() throws {
        let environment = [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:8333", "AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "a",
            "AWS_SECRET_ACCESS_KEY": "b",
        ]
        let fromEnvironment = try S3Configuration.resolve(environment: environment)
        #expect(fromEnvironment.endpoint.absoluteString == "http://127.0.0.1:8333")
        #expect(fromEnvironment.region == "eu-west-3" && fromEnvironment.addressing == .path)
        let onAWS = try S3Configuration.resolve(environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
        #expect(
            onAWS.endpoint.absoluteString == "https://s3.us-east-1.amazonaws.com" && onAWS.addressing == .virtualHost
        )
        let given = try S3Configuration.resolve(
            endpoint: "https://minio.internal:9000",
            region: "x",
            environment: environment
        )
        #expect(given.endpoint.host == "minio.internal" && given.region == "x")
        #expect(throws: MediaError.self) { try S3Configuration.resolve(endpoint: "ftp://x", environment: environment) }
        let missing = #expect(throws: MediaError.self) { try S3Configuration.resolve(environment: [:]) }
        #expect(missing?.message.contains("AWS_ACCESS_KEY_ID") == true)
    }

    @Test func serverErrorsAreRetriedWithBackoffAndRefusalsAreNot() async throws {
        let busy = HTTPResponse(status: 503, body: Data("<Error><Code>SlowDown</Code></Error>".utf8))
        let transport = ScriptedTransport([busy, busy, HTTPResponse(status: 200, headers: ["etag": "\"e\""])])
        let client = Self.client(transport, endpoint: "http://127.0.0.1:8333", addressing: .path)
        #expect(try await client.put(bucket: "media", key: "k", body: Data("x".utf8)) == .stored(etag: "\"e\""))
        #expect(transport.requests.count == 3)

        let denied = ScriptedTransport([
            HTTPResponse(status: 403, body: Data("<Error><Code>AccessDenied</Code><Message>no</Message></Error>".utf8))
        ])
        let error = await #expect(throws: MediaError.self) {
            try await Self.client(denied, endpoint: "http://127.0.0.1:8333", addressing: .path)
                .put(bucket: "media", key: "k", body: Data())
        }
        #expect(denied.requests.count == 1)
        #expect(error?.code == .configuration && error?.message.contains("AccessDenied: no") == true)

        let down = ScriptedTransport([busy])
        let exhausted = await #expect(throws: MediaError.self) {
            _ = try await Self.client(down, endpoint: "http://127.0.0.1:8333", addressing: .path)
                .head(bucket: "media", key: "k")
        }
        #expect(down.requests.count == 3 && exhausted?.message.contains("after 3 attempts") == true)
    }
}
