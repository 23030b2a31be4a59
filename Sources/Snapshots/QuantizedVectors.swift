import CVectorKernels

/// Vectors stored as int8 codes with one scale per vector: `value ≈ code · scale`, where
/// `scale = max|value| / 127`. A 384-dimensional embedding takes 388 bytes instead of 1,536, and
/// a dot product is an integer multiply-add loop.
public struct QuantizedVectors: @unchecked Sendable {
    public let dimension: Int
    public let count: Int
    let codes: UnsafeBufferPointer<Int8>
    let scales: UnsafeBufferPointer<Float>

    init(dimension: Int, codes: UnsafeBufferPointer<Int8>, scales: UnsafeBufferPointer<Float>) {
        self.dimension = dimension
        self.count = scales.count
        self.codes = codes
        self.scales = scales
    }

    /// A query vector quantized the same way, ready to be compared with stored vectors.
    public struct Query: Sendable {
        public let codes: [Int8]
        public let scale: Float

        public init(_ vector: [Float]) {
            (codes, scale) = QuantizedVectors.quantize(vector)
        }
    }

    /// int8 codes and scale of `vector`.
    /// A value that is not finite (a damaged file, an embedding service gone wrong) counts as 0:
    /// converting NaN or infinity to an integer would trap.
    public static func quantize(_ vector: [Float]) -> (codes: [Int8], scale: Float) {
        let largest = vector.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
        guard largest > 0 else { return (Array(repeating: 0, count: vector.count), 0) }
        let scale = largest / 127
        let codes = vector.map { value -> Int8 in
            let code = (value / scale).rounded()
            return code.isFinite ? Int8(clamping: Int(max(-127, min(127, code)))) : 0
        }
        return (codes, scale)
    }

    /// Whether every scale is finite and not negative, as the writer makes them.
    public var scalesAreWellFormed: Bool {
        scales.allSatisfy { $0.isFinite && $0 >= 0 }
    }

    /// `Σ aᵢ·bᵢ` over `count` int8 values, accumulated in 32 bits: AVX2 where the processor
    /// has it (CVectorKernels, decision 0024).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        mediagw_dot_i8(a, b, count)
    }

    /// Approximate cosine similarity of stored vector `document` and `query` (both unit length).
    @inline(__always)
    public func similarity(_ query: UnsafePointer<Int8>, scale: Float, to document: Int) -> Float {
        Float(Self.dot(query, codes.baseAddress! + document * dimension, count: dimension)) * scale
            * scales[document]
    }

    /// Approximate cosine similarity of two stored vectors.
    @inline(__always)
    public func similarity(_ a: Int, _ b: Int) -> Float {
        let base = codes.baseAddress!
        return Float(Self.dot(base + a * dimension, base + b * dimension, count: dimension)) * scales[a] * scales[b]
    }

    /// The stored vector of `document`, dequantized.
    public func vector(_ document: Int) -> [Float] {
        let scale = scales[document]
        return (0..<dimension).map { Float(codes[document * dimension + $0]) * scale }
    }
}
