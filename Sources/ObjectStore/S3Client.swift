import Foundation
import HTTPClient
import MediaModel

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client for the S3 API subset mediagw needs, signed with SigV4, over URLSession (libcurl).
///
/// Every failure is a ``MediaError`` naming the bucket (and key), never a credential: refused
/// credentials are `configuration`, a missing bucket `notFound`, anything the store could not
/// do after its retries `io`.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let transport: any HTTPTransport
    let signer: SigV4Signer

    public init(configuration: S3Configuration, transport: any HTTPTransport = URLSessionTransport()) {
        self.configuration = configuration
        self.transport = transport
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
    }

    // MARK: Objects

    /// What ``put(bucket:key:body:metadata:ifNoneMatch:)`` did.
    public enum PutOutcome: Sendable, Equatable {
        case stored(etag: String)
        /// `ifNoneMatch` was set and an object of that key exists.
        case alreadyExists
    }

    /// Stores `body` under `key`. With `ifNoneMatch` the store refuses to replace an existing
    /// object (`If-None-Match: *`), answered as ``PutOutcome/alreadyExists``.
    @discardableResult
    public func put(
        bucket: String,
        key: String,
        body: Data,
        metadata: [String: String] = [:],
        contentType: String = "application/octet-stream",
        ifNoneMatch: Bool = false
    ) async throws -> PutOutcome {
        var headers = Self.metadataHeaders(metadata)
        headers["content-type"] = contentType
        if ifNoneMatch { headers["if-none-match"] = "*" }
        let response = try await send("PUT", bucket: bucket, key: key, headers: headers, body: body, accept: [412])
        if response.status == 412 { return .alreadyExists }
        return .stored(etag: response.header("etag") ?? "")
    }

    /// What ``get(bucket:key:range:ifNoneMatch:)`` found.
    public enum GetOutcome: Sendable {
        case object(Data, ObjectInfo)
        /// `ifNoneMatch` named the object's current entity tag.
        case notModified
        case missing
    }

    /// Reads `key`, or the bytes `range` of it; `ifNoneMatch` (an entity tag) makes an unchanged
    /// object cost one small answer, and `ifMatch` refuses an object that was replaced.
    public func get(
        bucket: String,
        key: String,
        range: Range<Int>? = nil,
        ifNoneMatch: String? = nil,
        ifMatch: String? = nil
    ) async throws -> GetOutcome {
        var headers: [String: String] = [:]
        if let ifMatch { headers["if-match"] = ifMatch }
        if let range { headers["range"] = "bytes=\(range.lowerBound)-\(range.upperBound - 1)" }
        if let ifNoneMatch { headers["if-none-match"] = ifNoneMatch }
        let response = try await send("GET", bucket: bucket, key: key, headers: headers, accept: [304, 404])
        switch response.status {
        case 304: return .notModified
        case 404 where Self.errorCode(response) == "NoSuchBucket":
            throw Self.refusal(response, what: "GET \(bucket)/\(key)", bucket: bucket, configuration: configuration)
        case 404: return .missing
        default: return .object(response.body, Self.info(key: key, response))
        }
    }

    /// The object's size, tag and metadata; nil when there is no such object.
    public func head(bucket: String, key: String) async throws -> ObjectInfo? {
        let response = try await send("HEAD", bucket: bucket, key: key, accept: [404])
        return response.status == 404 ? nil : Self.info(key: key, response)
    }

    /// Deletes `key` (no error when it is already gone).
    public func delete(bucket: String, key: String) async throws {
        _ = try await send("DELETE", bucket: bucket, key: key, accept: [404])
    }

    /// Every object under `prefix`, following continuation tokens (`maxKeys` per page).
    public func list(bucket: String, prefix: String, maxKeys: Int = 1000) async throws -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "\(maxKeys)")]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", bucket: bucket, key: nil, query: query)
            let document = try Self.document(response, expecting: "ListBucketResult", bucket: bucket)
            for entry in document.children("Contents") {
                guard let key = entry.value("Key") else { continue }
                objects.append(
                    ObjectInfo(
                        key: key,
                        size: Int(entry.value("Size") ?? "") ?? 0,
                        etag: entry.value("ETag") ?? "",
                        lastModified: entry.value("LastModified").flatMap(Self.parseISODate),
                        metadata: [:]
                    )
                )
            }
            token = document.value("IsTruncated") == "true" ? document.value("NextContinuationToken") : nil
        } while token != nil
        return objects
    }

    /// Creates `bucket`; an existing bucket of this owner is not an error.
    public func createBucket(_ bucket: String) async throws {
        let response = try await send("PUT", bucket: bucket, key: nil, accept: [409])
        if response.status == 409, Self.errorCode(response) != "BucketAlreadyOwnedByYou" {
            throw MediaError(.io, "cannot create bucket '\(bucket)': \(Self.errorSummary(response))")
        }
    }

    // MARK: Multipart uploads

    public func createMultipartUpload(
        bucket: String,
        key: String,
        metadata: [String: String] = [:]
    ) async throws -> String {
        var headers = Self.metadataHeaders(metadata)
        headers["content-type"] = "application/octet-stream"
        let response = try await send("POST", bucket: bucket, key: key, query: [("uploads", "")], headers: headers)
        let document = try Self.document(response, expecting: "InitiateMultipartUploadResult", bucket: bucket)
        guard let id = document.value("UploadId"), !id.isEmpty else {
            throw MediaError(.io, "the object store started no multipart upload for \(bucket)/\(key)")
        }
        return id
    }

    /// Uploads part `number` (1…10000); returns its entity tag.
    public func uploadPart(bucket: String, key: String, uploadID: String, number: Int, body: Data) async throws
        -> String
    {
        let response = try await send(
            "PUT",
            bucket: bucket,
            key: key,
            query: [("partNumber", "\(number)"), ("uploadId", uploadID)],
            body: body
        )
        guard let etag = response.header("etag") else {
            throw MediaError(.io, "the object store returned no ETag for part \(number) of \(bucket)/\(key)")
        }
        return etag
    }

    public func completeMultipartUpload(
        bucket: String,
        key: String,
        uploadID: String,
        parts: [(number: Int, etag: String)]
    ) async throws {
        var xml = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(part.etag.xmlEscaped)</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send(
            "POST",
            bucket: bucket,
            key: key,
            query: [("uploadId", uploadID)],
            headers: ["content-type": "application/xml"],
            body: Data(xml.utf8)
        )
        // S3 may answer 200 and still report an error in the body.
        if let document = XMLNode.parse(response.body), document.name == "Error" {
            throw MediaError(.io, "cannot complete the upload of \(bucket)/\(key): \(Self.errorSummary(response))")
        }
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws {
        _ = try await send("DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)], accept: [404])
    }

    /// Multipart uploads started under `prefix` and neither completed nor aborted.
    public func listMultipartUploads(bucket: String, prefix: String) async throws
        -> [(key: String, uploadID: String, initiated: Date?)]
    {
        let response = try await send("GET", bucket: bucket, key: nil, query: [("uploads", ""), ("prefix", prefix)])
        let document = try Self.document(response, expecting: "ListMultipartUploadsResult", bucket: bucket)
        return document.children("Upload").compactMap { upload in
            guard let key = upload.value("Key"), let id = upload.value("UploadId") else { return nil }
            return (key, id, upload.value("Initiated").flatMap(Self.parseISODate))
        }
    }

    // MARK: Requests

    /// Signs and sends one request, retrying 5xx answers, throttling and network failures with
    /// jittered backoff. Statuses in `accept` are returned like 2xx; any other is thrown.
    func send(
        _ method: String,
        bucket: String,
        key: String?,
        query: [(String, String)] = [],
        headers: [String: String] = [:],
        body: Data = Data(),
        accept: Set<Int> = []
    ) async throws -> HTTPResponse {
        let endpoint = configuration.endpoint
        var host = endpoint.host!
        var path = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        switch configuration.addressing {
        case .path: path += "/\(bucket)" + (key.map { "/\($0)" } ?? "")
        case .virtualHost:
            host = "\(bucket).\(host)"
            path += "/" + (key ?? "")
        }
        if path.isEmpty { path = "/" }
        let authority = endpoint.port.map { "\(host):\($0)" } ?? host
        let canonicalQuery = SigV4Signer.canonicalQuery(query.map { (name: $0.0, value: $0.1) })
        let urlText =
            "\(endpoint.scheme!)://\(authority)\(SigV4Signer.encode(path, keepingSlashes: true))"
            + (canonicalQuery.isEmpty ? "" : "?\(canonicalQuery)")
        guard let url = URL(string: urlText) else {
            throw MediaError(.usage, "cannot form a request URL for bucket '\(bucket)' and key '\(key ?? "")'")
        }
        var signed = headers
        signed["host"] = authority
        let payloadHash = SigV4Signer.payloadHash(body)
        signed["x-amz-content-sha256"] = payloadHash
        let what = key.map { "\(method) \(bucket)/\($0)" } ?? "\(method) bucket '\(bucket)'"
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            let request = SigV4Signer.Request(
                method: method,
                path: path,
                query: query.map { (name: $0.0, value: $0.1) },
                headers: signed,
                payloadHash: payloadHash
            )
            var outgoing = signer.signedHeaders(for: request, at: Date())
            // URLSession derives Host from the URL.
            outgoing["host"] = nil
            let failure: String
            do {
                let response = try await transport.send(
                    HTTPRequest(
                        method: method,
                        url: url,
                        headers: outgoing,
                        body: body.isEmpty && method != "PUT" && method != "POST" ? nil : body,
                        timeout: configuration.timeout
                    )
                )
                if (200..<300).contains(response.status) || accept.contains(response.status) { return response }
                let retryable =
                    response.status >= 500 || response.status == 429 || Self.errorCode(response) == "SlowDown"
                if !retryable { throw Self.refusal(response, what: what, bucket: bucket, configuration: configuration) }
                failure = "answered \(Self.errorSummary(response))"
            } catch let error as MediaError {
                throw error
            } catch {
                failure = "could not be reached (\(Self.reason(error)))"
            }
            guard attempt < configuration.backoff.maxAttempts else {
                throw MediaError(
                    .io,
                    "the object store at \(endpoint.absoluteString) \(failure) for \(what) after \(attempt) attempts"
                )
            }
            try await Task.sleep(for: configuration.backoff.jitteredDelay(afterAttempt: attempt, using: &random))
        }
    }

    /// The error for an answer that retrying will not change.
    static func refusal(
        _ response: HTTPResponse,
        what: String,
        bucket: String,
        configuration: S3Configuration
    ) -> MediaError {
        let code = errorCode(response)
        let summary = errorSummary(response)
        let store = configuration.endpoint.absoluteString
        switch (response.status, code) {
        case (403, _), (400, "AuthorizationHeaderMalformed"), (400, "InvalidAccessKeyId"):
            return MediaError(
                .configuration,
                "the object store at \(store) refused \(what): \(summary); check the access key and secret "
                    + "(\(configuration.credentials)) and that they may use bucket '\(bucket)'"
            )
        case (404, "NoSuchBucket"):
            return MediaError(.notFound, "bucket '\(bucket)' does not exist at \(store) (\(what))")
        case (404, _):
            return MediaError(.notFound, "\(what): not found at \(store)")
        default:
            return MediaError(.io, "the object store at \(store) refused \(what): \(summary)")
        }
    }

    static func errorCode(_ response: HTTPResponse) -> String? {
        XMLNode.parse(response.body)?.value("Code")
    }

    /// `403 SignatureDoesNotMatch: message` — the status, S3's code and message, and nothing
    /// else from the body (S3 may echo the string to sign there).
    static func errorSummary(_ response: HTTPResponse) -> String {
        guard let document = XMLNode.parse(response.body), document.name == "Error" else {
            return "HTTP \(response.status)"
        }
        let code = document.value("Code").map { " \($0)" } ?? ""
        let message = document.value("Message").map { ": \($0)" } ?? ""
        return "HTTP \(response.status)\(code)\(message)"
    }

    static func document(_ response: HTTPResponse, expecting name: String, bucket: String) throws -> XMLNode {
        guard let document = XMLNode.parse(response.body), document.name == name else {
            throw MediaError(.io, "the object store answered bucket '\(bucket)' with something other than \(name)")
        }
        return document
    }

    static func metadataHeaders(_ metadata: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: metadata.map { ("x-amz-meta-\($0.key.lowercased())", $0.value) })
    }

    static func info(key: String, _ response: HTTPResponse) -> ObjectInfo {
        var metadata: [String: String] = [:]
        for (name, value) in response.headers where name.hasPrefix("x-amz-meta-") {
            metadata[String(name.dropFirst("x-amz-meta-".count))] = value
        }
        // A ranged answer's Content-Range ends in the whole object's size.
        let total = response.header("content-range").flatMap { $0.split(separator: "/").last }.flatMap { Int($0) }
        return ObjectInfo(
            key: key,
            size: total ?? Int(response.header("content-length") ?? "") ?? response.body.count,
            etag: response.header("etag") ?? "",
            lastModified: response.header("last-modified").flatMap(Backoff.httpDate),
            metadata: metadata
        )
    }

    static func parseISODate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? URLError { return error.localizedDescription }
        return "\(error)"
    }
}
