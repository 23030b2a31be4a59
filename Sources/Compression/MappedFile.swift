import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory mapping of a whole file. Pages are read by the kernel on first touch, so
/// opening a large snapshot or model file costs almost nothing.
public final class MappedFile: @unchecked Sendable {
    /// Why a file could not be mapped; `isMissing` tells "no such file" from other I/O failures.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let isMissing: Bool
        public let reason: String
        public var description: String { "cannot map \(path): \(reason)" }
    }

    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws(Failure) {
        self.path = path
        func failure(_ step: String) -> Failure {
            let missing = errno == ENOENT
            return Failure(path: path, isMissing: missing, reason: "\(step): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure("open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("stat") }
        let size = Int(status.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw failure("mmap")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
