import Foundation

/// The BERT forward pass written out with plain loops, padded to a common length and masked:
/// the textbook computation the packed CBLAS encoder must reproduce.
struct ReferenceEncoder {
    let model: TinyModel

    func encode(_ batch: [[Int32]]) -> [[Float]] {
        let h = TinyModel.hidden
        let headSize = h / TinyModel.heads
        let padded = batch.map { $0.count }.max()!
        return batch.map { ids in
            let mask = (0..<padded).map { $0 < ids.count }
            let tokens = (0..<padded).map { $0 < ids.count ? Int(ids[$0]) : 0 }
            let word = model.tensor("embeddings.word_embeddings.weight")
            let position = model.tensor("embeddings.position_embeddings.weight")
            let type = model.tensor("embeddings.token_type_embeddings.weight")
            var x: [[Float]] = tokens.enumerated().map { p, id in
                (0..<h).map { word[id * h + $0] + position[p * h + $0] + type[$0] }
            }
            x = x.map { norm($0, "embeddings.LayerNorm") }
            for layer in 0..<TinyModel.layers {
                let prefix = "encoder.layer.\(layer)."
                let q = x.map { dense($0, prefix + "attention.self.query") }
                let k = x.map { dense($0, prefix + "attention.self.key") }
                let v = x.map { dense($0, prefix + "attention.self.value") }
                var context = [[Float]](repeating: [Float](repeating: 0, count: h), count: padded)
                for head in 0..<TinyModel.heads {
                    let range = (head * headSize)..<((head + 1) * headSize)
                    for i in 0..<padded {
                        var scores = (0..<padded).map { j -> Float in
                            guard mask[j] else { return -10_000 }
                            return range.reduce(0) { $0 + q[i][$1] * k[j][$1] } / Float(headSize).squareRoot()
                        }
                        let largest = scores.max()!
                        scores = scores.map { Foundation.exp($0 - largest) }
                        let sum = scores.reduce(0, +)
                        for j in 0..<padded {
                            for d in range { context[i][d] += scores[j] / sum * v[j][d] }
                        }
                    }
                }
                let attended = context.map { dense($0, prefix + "attention.output.dense") }
                x = zip(x, attended).map { norm(zip($0, $1).map { $0 + $1 }, prefix + "attention.output.LayerNorm") }
                let inner = x.map { row in dense(row, prefix + "intermediate.dense").map(gelu) }
                let output = inner.map { dense($0, prefix + "output.dense") }
                x = zip(x, output).map { norm(zip($0, $1).map { $0 + $1 }, prefix + "output.LayerNorm") }
            }
            var pooled = [Float](repeating: 0, count: h)
            for (row, real) in zip(x, mask) where real {
                for d in 0..<h { pooled[d] += row[d] / Float(ids.count) }
            }
            let length = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return pooled.map { $0 / length }
        }
    }

    private func gelu(_ value: Float) -> Float {
        let x = Double(value)
        return Float(0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())))
    }

    private func dense(_ input: [Float], _ name: String) -> [Float] {
        let weight = model.tensor(name + ".weight")
        let bias = model.tensor(name + ".bias")
        return bias.indices.map { o in
            bias[o] + input.indices.reduce(0) { $0 + weight[o * input.count + $1] * input[$1] }
        }
    }

    private func norm(_ row: [Float], _ name: String) -> [Float] {
        let mean = row.reduce(0, +) / Float(row.count)
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(row.count)
        let weight = model.tensor(name + ".weight")
        let bias = model.tensor(name + ".bias")
        return row.indices.map { (row[$0] - mean) / (variance + 1e-12).squareRoot() * weight[$0] + bias[$0] }
    }
}
