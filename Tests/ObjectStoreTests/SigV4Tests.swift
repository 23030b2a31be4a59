import Foundation
@testable import ObjectStore
import Testing

/// The signer against AWS's published examples, and cases an independent implementation
/// (botocore 1.x's S3SigV4Auth) signed for keys, bodies and queries the examples do not cover.
@Suite struct SigV4Tests {
    struct Vector: Decodable {
        var name, accessKey, secretKey, region, service, date, method, path, body, signedHeaders, signature: String
        var query: [[String]]
        var headers: [String: String]
    }

    static let vectors: [Vector] = {
        struct File: Decodable { var cases: [Vector] }
        let url = Bundle.module.url(forResource: "Fixtures/sigv4-vectors", withExtension: "json")!
        return try! JSONDecoder().decode(File.self, from: try! Data(contentsOf: url)).cases
    }()

    static func date(_ stamp: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: stamp)!
    }

    static func authorization(
        _ method: String,
        _ path: String,
        query: [(name: String, value: String)] = [],
        headers: [String: String],
        body: String = "",
        region: String = "eu-west-1",
        service: String = "s3",
        at stamp: String = "20261201T000000Z",
        key: String = "AKIAIOSFODNN7EXAMPLE",
        secret: String = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    ) -> String {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: key, secretAccessKey: secret),
            region: region,
            service: service
        )
        let request = SigV4Signer.Request(
            method: method,
            path: path,
            query: query,
            headers: headers,
            payloadHash: SigV4Signer.payloadHash(Data(body.utf8))
        )
        return signer.signedHeaders(for: request, at: date(stamp))["Authorization"]!
    }

    @Test(arguments: vectors.map(\.name)) func awsPublishedVector(_ name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let authorization = Self.authorization(
            vector.method,
            vector.path,
            query: vector.query.map { (name: $0[0], value: $0[1]) },
            headers: vector.headers,
            body: vector.body,
            region: vector.region,
            service: vector.service,
            at: vector.date,
            key: vector.accessKey,
            secret: vector.secretKey
        )
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=\(vector.accessKey)/\(vector.date.prefix(8))/\(vector.region)/"
                + "\(vector.service)/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        )
    }

    static let emptyHash = SigV4Signer.emptyPayloadHash

    @Test func aKeyWithSpacesAndUnicodeIsEncodedOnceByteByByte() {
        let path = "/media/my key/café ☕.mgws"
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
            region: "eu-west-1"
        )
        let canonical = signer.canonicalRequest(
            .init(method: "GET", path: path, headers: ["host": "127.0.0.1:9000"], payloadHash: Self.emptyHash)
        )
        #expect(canonical.text.split(separator: "\n")[1] == "/media/my%20key/caf%C3%A9%20%E2%98%95.mgws")
        let authorization = Self.authorization(
            "GET",
            path,
            headers: ["host": "127.0.0.1:9000", "x-amz-content-sha256": Self.emptyHash]
        )
        #expect(authorization.hasSuffix("a701b8713aec4309771868a58ad201c125b4851012436dc57a233f8596de8cc6"))
    }

    @Test func anEmptyBodyIsSignedWithTheHashOfNothing() {
        #expect(SigV4Signer.payloadHash(Data()) == Self.emptyHash)
        let authorization = Self.authorization(
            "PUT",
            "/media/empty",
            headers: ["host": "127.0.0.1:9000", "x-amz-content-sha256": Self.emptyHash]
        )
        #expect(authorization.hasSuffix("cb91c57c64121a04ad2fcdfb9082531542c064093a4be0667771e1a28b9559c5"))
    }

    @Test func queryPairsAreEncodedThenSortedByNameAndValue() {
        #expect(
            SigV4Signer.canonicalQuery([("b", "2"), ("a", "z"), ("a", "y"), ("uploads", "")])
                == "a=y&a=z&b=2&uploads="
        )
        let query: [(name: String, value: String)] = [
            ("prefix", "a/b=c"), ("list-type", "2"), ("continuation-token", "x+y z"),
        ]
        #expect(
            SigV4Signer.canonicalQuery(query) == "continuation-token=x%2By%20z&list-type=2&prefix=a%2Fb%3Dc"
        )
        let authorization = Self.authorization(
            "GET",
            "/media",
            query: query,
            headers: ["host": "127.0.0.1:9000", "x-amz-content-sha256": Self.emptyHash]
        )
        #expect(authorization.hasSuffix("101bba633aa552623aa1ff808682ac5c133f86f90f06738bce7048c4cebe32ce"))
    }

    @Test func headerValuesAreTrimmedAndTheirInnerSpacesCollapsed() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
            region: "us-east-1"
        )
        let canonical = signer.canonicalRequest(
            .init(
                method: "GET",
                path: "/",
                headers: ["Host": "h", "X-Amz-Meta-Note": "  two   words "],
                payloadHash: Self.emptyHash
            )
        )
        #expect(canonical.text.contains("x-amz-meta-note:two words\n"))
        #expect(canonical.signedHeaders == "host;x-amz-meta-note")
    }

    @Test func aSessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b", sessionToken: "token"),
            region: "us-east-1"
        )
        let headers = signer.signedHeaders(
            for: .init(method: "GET", path: "/", headers: ["host": "h"], payloadHash: Self.emptyHash),
            at: Date(timeIntervalSince1970: 0)
        )
        #expect(headers["x-amz-security-token"] == "token")
        #expect(headers["Authorization"]!.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(headers["x-amz-date"] == "19700101T000000Z")
    }

    @Test func credentialsNeverShowTheSecret() throws {
        let credentials = S3Credentials(
            accessKeyID: "AKIA1",
            secretAccessKey: "hunter2",
            source: "env:AWS_ACCESS_KEY_ID"
        )
        #expect(!"\(credentials)".contains("hunter2"))
        let file = NSTemporaryDirectory() + "creds-\(UUID())"
        try "[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s3cr3t\n[other]\naws_access_key_id=B\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try S3Credentials.load(file: file)
        #expect(loaded.accessKeyID == "AKIA2" && loaded.secretAccessKey == "s3cr3t")
        let error = #expect(throws: (any Error).self) { try S3Credentials.load(file: file, profile: "other") }
        #expect(!"\(error!)".contains("s3cr3t") && "\(error!)".contains("[other]"))
    }

    @Test func locationsParseAndRefuseWhatIsNotABucket() throws {
        let location = try S3Location(parsing: "s3://media-snapshots/prod/eu/")
        #expect(location.bucket == "media-snapshots" && location.prefix == "prod/eu")
        #expect(location.key("CURRENT") == "prod/eu/CURRENT")
        #expect(try S3Location(parsing: "s3://abc").key("x") == "x")
        #expect(throws: (any Error).self) { try S3Location(parsing: "s3://UPPER/x") }
        #expect(throws: (any Error).self) { try S3Location(parsing: "/var/lib/snapshots") }
    }
}
