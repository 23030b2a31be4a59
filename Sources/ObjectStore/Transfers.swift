import Foundation
import MediaModel

#if canImport(Glibc)
    import Glibc
#endif

/// Sizes and parallelism of large transfers.
public struct TransferOptions: Sendable {
    /// Bytes per part of a multipart upload or ranged download (S3's minimum part is 5 MiB).
    public var partSize: Int
    /// Parts in flight at once.
    public var concurrency: Int
    /// Files at least this large are uploaded in parts; smaller ones in one PUT.
    public var multipartThreshold: Int

    public init(partSize: Int = 8 << 20, concurrency: Int = 4, multipartThreshold: Int = 16 << 20) {
        self.partSize = max(partSize, 5 << 20)
        self.concurrency = max(concurrency, 1)
        self.multipartThreshold = multipartThreshold
    }
}

extension S3Client {
    /// Uploads the file at `path` to `key`: in one PUT when small, else as a multipart upload
    /// with `options.concurrency` parts in flight. A failed multipart upload is aborted, so the
    /// object either appears whole or not at all. With `ifNoneMatch` a single PUT does not
    /// replace an existing object (`If-None-Match: *`) and returns false.
    @discardableResult
    public func upload(
        file path: String,
        bucket: String,
        key: String,
        metadata: [String: String] = [:],
        ifNoneMatch: Bool = false,
        options: TransferOptions = TransferOptions()
    ) async throws -> Bool {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw MediaError(.io, "cannot read \(path) to upload it: \(error.localizedDescription)")
        }
        if data.count < options.multipartThreshold {
            let outcome = try await put(
                bucket: bucket,
                key: key,
                body: data,
                metadata: metadata,
                ifNoneMatch: ifNoneMatch
            )
            return outcome != .alreadyExists
        }
        let uploadID = try await createMultipartUpload(bucket: bucket, key: key, metadata: metadata)
        do {
            let count = (data.count + options.partSize - 1) / options.partSize
            let parts = try await forEachPart(count: count, concurrency: options.concurrency) { index in
                let start = index * options.partSize
                let body = data.subdata(in: start..<min(data.count, start + options.partSize))
                return try await uploadPart(bucket: bucket, key: key, uploadID: uploadID, number: index + 1, body: body)
            }
            try await completeMultipartUpload(
                bucket: bucket,
                key: key,
                uploadID: uploadID,
                parts: parts.enumerated().map { (number: $0.offset + 1, etag: $0.element) }
            )
            return true
        } catch {
            try? await abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            throw error
        }
    }

    /// Downloads `object` into `path` with ranged GETs, `options.concurrency` at once, each
    /// conditional on the object's entity tag (a replaced object fails the download instead of
    /// mixing two). Resumable: finished parts are listed in `path.parts` with the tag, and a
    /// later call for the same object fetches only the rest. Removes the list when done.
    public func download(
        _ object: ObjectInfo,
        bucket: String,
        to path: String,
        options: TransferOptions = TransferOptions()
    ) async throws {
        let ledger = PartLedger(path: path + ".parts", etag: object.etag)
        let done = ledger.finishedParts()
        if done.isEmpty {
            unlink(path)
            try ledger.start()
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MediaError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(object.size)) == 0 else {
            throw MediaError(.io, "cannot size \(path): \(String(cString: strerror(errno)))")
        }
        let count = max(1, (object.size + options.partSize - 1) / options.partSize)
        let missing = (0..<count).filter { !done.contains($0) }
        _ = try await forEachPart(count: missing.count, concurrency: options.concurrency) { position in
            let index = missing[position]
            let start = index * options.partSize
            let range = start..<min(object.size, start + options.partSize)
            guard !range.isEmpty else { return "" }
            let outcome = try await get(bucket: bucket, key: object.key, range: range, ifMatch: object.etag)
            guard case .object(let body, _) = outcome, body.count == range.count else {
                throw MediaError(
                    .io,
                    "\(bucket)/\(object.key) changed or shrank while it was being downloaded; the next poll retries"
                )
            }
            try Self.write(body, to: descriptor, at: start, path: path)
            try ledger.record(index)
            return ""
        }
        guard fsync(descriptor) == 0 else {
            throw MediaError(.io, "cannot fsync \(path): \(String(cString: strerror(errno)))")
        }
        ledger.remove()
    }

    /// Runs `body` for part indexes `0..<count`, at most `concurrency` at once; results in order.
    func forEachPart<T: Sendable>(
        count: Int,
        concurrency: Int,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(concurrency, count) {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    private static func write(_ data: Data, to descriptor: Int32, at offset: Int, path: String) throws {
        try data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = pwrite(
                    descriptor,
                    raw.baseAddress! + written,
                    raw.count - written,
                    off_t(offset + written)
                )
                if result < 0 {
                    if errno == EINTR { continue }
                    throw MediaError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                written += result
            }
        }
    }
}

/// The parts of a download already on disk: a file whose first line is the object's entity tag
/// and each further line a finished part's index, appended once the part is written. A ledger
/// for another tag (the object was replaced) counts as empty.
struct PartLedger: Sendable {
    let path: String
    let etag: String

    func finishedParts() -> Set<Int> {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard lines.first.map(String.init) == etag else {
            unlink(path)
            return []
        }
        return Set(lines.dropFirst().compactMap { Int($0) })
    }

    /// Begins a new ledger for the tag.
    func start() throws { try append(etag + "\n", truncating: true) }

    /// Appends a finished part (one short `O_APPEND` write, so parallel parts never interleave).
    func record(_ index: Int) throws { try append("\(index)\n", truncating: false) }

    private func append(_ line: String, truncating: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncating ? O_TRUNC : O_APPEND)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            throw MediaError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let count = line.utf8.count
        guard line.withCString({ write(descriptor, $0, count) }) == count else {
            throw MediaError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    func remove() { unlink(path) }
}
