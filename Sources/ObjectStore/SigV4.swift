import Compression
import Crypto
import Foundation

/// AWS Signature Version 4 for requests to S3 (and, for its test vectors, any AWS service).
///
/// The signer adds `x-amz-date` (and `x-amz-security-token` with temporary credentials) and the
/// `Authorization` header. It signs every header it is given, so callers pass only headers that
/// reach the server unchanged (not `User-Agent` or `Accept-Encoding`, which libcurl may rewrite).
public struct SigV4Signer: Sendable {
    public var credentials: S3Credentials
    public var region: String
    public var service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A request as the signer sees it: the path not yet percent-encoded, the query as pairs.
    public struct Request: Sendable {
        public var method: String
        /// The decoded path, starting with `/` (for S3, `/bucket/key` or `/key`).
        public var path: String
        public var query: [(name: String, value: String)]
        /// Header names in any case; `host` must be among them.
        public var headers: [String: String]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(
            method: String,
            path: String,
            query: [(name: String, value: String)] = [],
            headers: [String: String],
            payloadHash: String
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The headers to send: the request's own, `x-amz-date`, the token if any, and `Authorization`.
    public func signedHeaders(for request: Request, at date: Date) -> [String: String] {
        var request = request
        let stamp = Self.timestamp(date)
        request.headers["x-amz-date"] = stamp
        if let token = credentials.sessionToken { request.headers["x-amz-security-token"] = token }
        let canonical = canonicalRequest(request)
        let scope = "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
        let toSign = ["AWS4-HMAC-SHA256", stamp, scope, Hex.encode(SHA256.hash(data: Data(canonical.text.utf8)))]
            .joined(separator: "\n")
        let signature = Hex.encode(
            HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: signingKey(day: String(stamp.prefix(8))))
        )
        var headers = request.headers
        headers["Authorization"] =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return headers
    }

    /// The canonical request (AWS's step 1) and the list of signed header names.
    public func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        var headers: [(String, String)] = []
        for (name, value) in request.headers {
            // Trimmed, with runs of spaces collapsed to one (the canonical header value).
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            headers.append((name.lowercased(), collapsed.trimmingCharacters(in: .whitespaces)))
        }
        headers.sort { $0.0 < $1.0 }
        let signedHeaders = headers.map(\.0).joined(separator: ";")
        let text = [
            request.method,
            Self.encode(request.path, keepingSlashes: true),
            Self.canonicalQuery(request.query),
            headers.map { "\($0.0):\($0.1)\n" }.joined(),
            signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// Query pairs encoded and sorted by name, then value; a bare name has an empty value.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (encode(pair.name, keepingSlashes: false), encode(pair.value, keepingSlashes: false))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in paths),
    /// byte by byte over UTF-8, with upper-case hex: what SigV4 and S3 expect.
    public static func encode(_ text: String, keepingSlashes: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                result.append("/")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            parts.year!,
            parts.month!,
            parts.day!,
            parts.hour!,
            parts.minute!,
            parts.second!
        )
    }

    /// Hex SHA-256 of `data` (the payload hash).
    public static func payloadHash(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data))
    }

    /// The hash of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
