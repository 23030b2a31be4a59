import Compression
import Foundation
import MediaModel

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensor data.
final class SafeTensors: @unchecked Sendable {
    struct Tensor {
        let shape: [Int]
        let values: UnsafeBufferPointer<Float>
    }

    private let file: MappedFile
    private var tensors: [String: Tensor] = [:]
    /// Copies made for tensors whose data is not 4-byte aligned in the file.
    private var alignedCopies: [UnsafeMutableBufferPointer<Float>] = []

    init(path: String) throws {
        do {
            file = try MappedFile(path: path)
        } catch {
            throw MediaError(error.isMissing ? .notFound : .io, "cannot open model weights \(path): \(error.reason)")
        }
        let bytes = file.bytes
        func corrupt(_ what: String) -> MediaError {
            MediaError(.badInput, "model weights \(path) are not a valid safetensors file: \(what)")
        }
        guard bytes.count >= 8 else { throw corrupt("file is \(bytes.count) bytes") }
        let headerLength = Int(bytes.loadUnaligned(as: UInt64.self).littleEndian)
        guard headerLength > 0, 8 + headerLength <= bytes.count else {
            throw corrupt("header length \(headerLength) exceeds the file")
        }
        let headerData = Data(bytes[8..<(8 + headerLength)])
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw corrupt("header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                offsets.count == 2
            else { throw corrupt("tensor \(name) has no dtype, shape or data_offsets") }
            guard dtype == "F32" else { continue }  // e.g. the I64 position_ids buffer
            let count = shape.reduce(1, *)
            let start = dataStart + offsets[0]
            guard offsets[1] - offsets[0] == count * 4, offsets[0] >= 0, dataStart + offsets[1] <= bytes.count else {
                throw corrupt("tensor \(name) has a byte range that does not fit its shape \(shape)")
            }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count * 4)])
            let values: UnsafeBufferPointer<Float>
            if Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0 {
                values = raw.bindMemory(to: Float.self)
            } else {
                let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                _ = copy.withMemoryRebound(to: UInt8.self) { raw.copyBytes(to: $0) }
                alignedCopies.append(copy)
                values = UnsafeBufferPointer(copy)
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
    }

    deinit {
        for copy in alignedCopies { copy.deallocate() }
    }

    /// The F32 tensor `name`, checked to have `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> UnsafeBufferPointer<Float> {
        guard let tensor = tensors[name] else {
            throw MediaError(.badInput, "model weights \(file.path) have no tensor \(name)")
        }
        guard tensor.shape == shape else {
            throw MediaError(
                .badInput,
                "model tensor \(name) in \(file.path) has shape \(tensor.shape), expected \(shape)"
            )
        }
        return tensor.values
    }
}
