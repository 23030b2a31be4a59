import Foundation

/// The element-wise pieces of the encoder, written so the compiler vectorizes them.
enum Activation {
    /// Exact GELU, `x·Φ(x) = ½x(1 + erf(x/√2))`, with a rational erf approximation accurate to
    /// 5e-7 absolute (a libm `erff` per element would cost more than the matrix products).
    static func gelu(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let x = values[index]
                values[index] = 0.5 * x * (1 + erf(x * 0.70710678118654752))
            }
        }
    }

    @inline(__always)
    static func erf(_ value: Float) -> Float {
        let x = min(max(value, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    /// Softmax of each row of a row-major `rows × columns` matrix, in place.
    static func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let values = matrix + row * columns
            var largest = -Float.infinity
            for column in 0..<columns { largest = max(largest, values[column]) }
            var sum: Float = 0
            for column in 0..<columns {
                let exponential = expf(values[column] - largest)
                values[column] = exponential
                sum += exponential
            }
            let scale = 1 / sum
            for column in 0..<columns { values[column] *= scale }
        }
    }

    /// LayerNorm of one row in place: `(x - mean) / sqrt(variance + ε) · weight + bias`.
    static func layerNorm(
        _ row: UnsafeMutableBufferPointer<Float>,
        _ weight: UnsafeBufferPointer<Float>,
        _ bias: UnsafeBufferPointer<Float>,
        _ epsilon: Float
    ) {
        var mean: Float = 0
        for value in row { mean += value }
        mean /= Float(row.count)
        var variance: Float = 0
        for value in row { variance += (value - mean) * (value - mean) }
        variance /= Float(row.count)
        let scale = 1 / (variance + epsilon).squareRoot()
        for index in row.indices { row[index] = (row[index] - mean) * scale * weight[index] + bias[index] }
    }

    /// `vector / ‖vector‖` (a zero vector stays zero).
    static func normalized(_ vector: [Float]) -> [Float] {
        var norm: Float = 0
        for value in vector { norm += value * value }
        norm = norm.squareRoot()
        guard norm > 0 else { return vector }
        return vector.map { $0 / norm }
    }
}
