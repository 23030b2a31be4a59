import CBLAS
import Foundation

/// A BERT encoder with mean pooling and L2 normalization (the sentence-transformers recipe),
/// running on CBLAS.
///
/// Sequences of a batch are packed one after another without padding: the linear layers run
/// once over all tokens of the batch, attention runs per sequence over its real length only,
/// which is exactly the padded-and-masked computation without the wasted work.
///
/// The linear layers' weights are kept transposed, `[in, out]`, so that each product is
/// `input · weight` with neither operand transposed: for the few tokens of a query OpenBLAS then
/// packs the weights far more cheaply, and a short query embeds about a third faster, while
/// large batches run as fast as before (docs/benchmarks.md, "The assistant and the page").
final class BertEncoder: @unchecked Sendable {
    struct Layer {
        /// Query, key and value projections side by side in one `[hidden, 3·hidden]` matrix.
        let qkvWeight: UnsafeMutableBufferPointer<Float>
        let qkvBias: UnsafeMutableBufferPointer<Float>
        let attentionOutputWeight: UnsafeMutableBufferPointer<Float>
        let attentionOutputBias: UnsafeBufferPointer<Float>
        let attentionNormWeight: UnsafeBufferPointer<Float>
        let attentionNormBias: UnsafeBufferPointer<Float>
        let intermediateWeight: UnsafeMutableBufferPointer<Float>
        let intermediateBias: UnsafeBufferPointer<Float>
        let outputWeight: UnsafeMutableBufferPointer<Float>
        let outputBias: UnsafeBufferPointer<Float>
        let outputNormWeight: UnsafeBufferPointer<Float>
        let outputNormBias: UnsafeBufferPointer<Float>
    }

    let configuration: BertConfiguration
    private let weights: SafeTensors
    private let wordEmbeddings: UnsafeBufferPointer<Float>
    private let positionEmbeddings: UnsafeBufferPointer<Float>
    private let tokenTypeEmbeddings: UnsafeBufferPointer<Float>
    private let embeddingNormWeight: UnsafeBufferPointer<Float>
    private let embeddingNormBias: UnsafeBufferPointer<Float>
    private let layers: [Layer]

    init(configuration: BertConfiguration, weights: SafeTensors) throws {
        self.configuration = configuration
        self.weights = weights
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        // Upstream checkpoints name tensors with or without a `bert.` prefix.
        func tensor(_ name: String, _ shape: [Int]) throws -> UnsafeBufferPointer<Float> {
            do {
                return try weights.tensor(name, shape: shape)
            } catch {
                guard let prefixed = try? weights.tensor("bert." + name, shape: shape) else { throw error }
                return prefixed
            }
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden])
        positionEmbeddings = try tensor(
            "embeddings.position_embeddings.weight",
            [configuration.maxPositions, hidden]
        )
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [2, hidden])
        embeddingNormWeight = try tensor("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", [hidden])
        /// A checkpoint's `[out, in]` weights written as `[in, out]` into `matrix`, whose rows are
        /// `width` wide, from column `column` on.
        func transpose(
            _ weight: UnsafeBufferPointer<Float>,
            out: Int,
            in inputs: Int,
            into matrix: UnsafeMutableBufferPointer<Float>,
            width: Int,
            column: Int = 0
        ) {
            for row in 0..<out {
                for input in 0..<inputs { matrix[input * width + column + row] = weight[row * inputs + input] }
            }
        }
        func transposed(_ name: String, out: Int, in inputs: Int) throws -> UnsafeMutableBufferPointer<Float> {
            let weight = try tensor(name, [out, inputs])
            let matrix = UnsafeMutableBufferPointer<Float>.allocate(capacity: out * inputs)
            transpose(weight, out: out, in: inputs, into: matrix, width: out)
            return matrix
        }
        var layers: [Layer] = []
        for index in 0..<configuration.layerCount {
            let prefix = "encoder.layer.\(index)."
            let qkvWeight = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3 * hidden * hidden)
            let qkvBias = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3 * hidden)
            for (part, name) in ["query", "key", "value"].enumerated() {
                let weight = try tensor(prefix + "attention.self.\(name).weight", [hidden, hidden])
                let bias = try tensor(prefix + "attention.self.\(name).bias", [hidden])
                transpose(weight, out: hidden, in: hidden, into: qkvWeight, width: 3 * hidden, column: part * hidden)
                _ = UnsafeMutableBufferPointer(rebasing: qkvBias[(part * hidden)...]).initialize(from: bias)
            }
            layers.append(
                Layer(
                    qkvWeight: qkvWeight,
                    qkvBias: qkvBias,
                    attentionOutputWeight: try transposed(
                        prefix + "attention.output.dense.weight",
                        out: hidden,
                        in: hidden
                    ),
                    attentionOutputBias: try tensor(prefix + "attention.output.dense.bias", [hidden]),
                    attentionNormWeight: try tensor(prefix + "attention.output.LayerNorm.weight", [hidden]),
                    attentionNormBias: try tensor(prefix + "attention.output.LayerNorm.bias", [hidden]),
                    intermediateWeight: try transposed(prefix + "intermediate.dense.weight", out: inner, in: hidden),
                    intermediateBias: try tensor(prefix + "intermediate.dense.bias", [inner]),
                    outputWeight: try transposed(prefix + "output.dense.weight", out: hidden, in: inner),
                    outputBias: try tensor(prefix + "output.dense.bias", [hidden]),
                    outputNormWeight: try tensor(prefix + "output.LayerNorm.weight", [hidden]),
                    outputNormBias: try tensor(prefix + "output.LayerNorm.bias", [hidden])
                )
            )
        }
        self.layers = layers
    }

    deinit {
        for layer in layers {
            layer.qkvWeight.deallocate()
            layer.qkvBias.deallocate()
            layer.attentionOutputWeight.deallocate()
            layer.intermediateWeight.deallocate()
            layer.outputWeight.deallocate()
        }
    }

    /// Pooled, normalized embeddings of `sequences` (token ids including `[CLS]`/`[SEP]`).
    func encode(_ sequences: [[Int32]]) -> [[Float]] {
        let hidden = configuration.hiddenSize
        let inner = configuration.intermediateSize
        let lengths = sequences.map { min($0.count, configuration.maxPositions) }
        let tokens = lengths.reduce(0, +)
        guard tokens > 0 else { return sequences.map { _ in [Float](repeating: 0, count: hidden) } }
        let longest = lengths.max() ?? 0

        var states = [Float](repeating: 0, count: tokens * hidden)
        var qkv = [Float](repeating: 0, count: tokens * 3 * hidden)
        var context = [Float](repeating: 0, count: tokens * hidden)
        var projected = [Float](repeating: 0, count: tokens * hidden)
        var intermediate = [Float](repeating: 0, count: tokens * inner)
        var scores = [Float](repeating: 0, count: longest * longest)

        embed(sequences, lengths: lengths, into: &states)
        let epsilon = configuration.layerNormEpsilon
        for layer in layers {
            linear(
                states,
                rows: tokens,
                inputs: hidden,
                layer.qkvWeight,
                UnsafeBufferPointer(layer.qkvBias),
                outputs: 3 * hidden,
                into: &qkv
            )
            attend(qkv, lengths: lengths, scores: &scores, into: &context)
            linear(
                context,
                rows: tokens,
                inputs: hidden,
                layer.attentionOutputWeight,
                layer.attentionOutputBias,
                outputs: hidden,
                into: &projected
            )
            addAndNormalize(&states, projected, layer.attentionNormWeight, layer.attentionNormBias, epsilon)
            linear(
                states,
                rows: tokens,
                inputs: hidden,
                layer.intermediateWeight,
                layer.intermediateBias,
                outputs: inner,
                into: &intermediate
            )
            Activation.gelu(&intermediate)
            linear(
                intermediate,
                rows: tokens,
                inputs: inner,
                layer.outputWeight,
                layer.outputBias,
                outputs: hidden,
                into: &projected
            )
            addAndNormalize(&states, projected, layer.outputNormWeight, layer.outputNormBias, epsilon)
        }
        return pool(states, lengths: lengths)
    }

    /// Word + position + token-type embeddings, then LayerNorm.
    private func embed(_ sequences: [[Int32]], lengths: [Int], into states: inout [Float]) {
        let hidden = configuration.hiddenSize
        let vocabularySize = configuration.vocabularySize
        var row = 0
        states.withUnsafeMutableBufferPointer { output in
            for (sequence, length) in zip(sequences, lengths) {
                for position in 0..<length {
                    var id = Int(sequence[position])
                    if id < 0 || id >= vocabularySize { id = 0 }
                    let target = row * hidden
                    for column in 0..<hidden {
                        output[target + column] =
                            wordEmbeddings[id * hidden + column] + positionEmbeddings[position * hidden + column]
                            + tokenTypeEmbeddings[column]
                    }
                    Activation.layerNorm(
                        UnsafeMutableBufferPointer(rebasing: output[target..<(target + hidden)]),
                        embeddingNormWeight,
                        embeddingNormBias,
                        configuration.layerNormEpsilon
                    )
                    row += 1
                }
            }
        }
    }

    /// `output[rows × outputs] = input[rows × inputs] · weight + bias`; weights are `[in, out]`.
    private func linear(
        _ input: [Float],
        rows: Int,
        inputs: Int,
        _ weight: UnsafeMutableBufferPointer<Float>,
        _ bias: UnsafeBufferPointer<Float>,
        outputs: Int,
        into output: inout [Float]
    ) {
        output.withUnsafeMutableBufferPointer { result in
            for row in 0..<rows {
                _ = UnsafeMutableBufferPointer(rebasing: result[(row * outputs)..<((row + 1) * outputs)])
                    .initialize(from: bias)
            }
            input.withUnsafeBufferPointer { source in
                cblas_sgemm(
                    CblasRowMajor,
                    CblasNoTrans,
                    CblasNoTrans,
                    Int32(rows),
                    Int32(outputs),
                    Int32(inputs),
                    1,
                    source.baseAddress,
                    Int32(inputs),
                    weight.baseAddress,
                    Int32(outputs),
                    1,
                    result.baseAddress,
                    Int32(outputs)
                )
            }
        }
    }

    /// Scaled dot-product attention per sequence and head, over the sequence's real length.
    private func attend(_ qkv: [Float], lengths: [Int], scores: inout [Float], into context: inout [Float]) {
        let hidden = configuration.hiddenSize
        let headSize = configuration.headSize
        let stride = 3 * hidden
        let scale = 1 / Float(headSize).squareRoot()
        qkv.withUnsafeBufferPointer { qkv in
            scores.withUnsafeMutableBufferPointer { scores in
                context.withUnsafeMutableBufferPointer { context in
                    var start = 0
                    for length in lengths {
                        for head in 0..<configuration.headCount {
                            let query = qkv.baseAddress! + start * stride + head * headSize
                            let key = query + hidden
                            let value = query + 2 * hidden
                            cblas_sgemm(
                                CblasRowMajor,
                                CblasNoTrans,
                                CblasTrans,
                                Int32(length),
                                Int32(length),
                                Int32(headSize),
                                scale,
                                query,
                                Int32(stride),
                                key,
                                Int32(stride),
                                0,
                                scores.baseAddress,
                                Int32(length)
                            )
                            Activation.softmaxRows(scores.baseAddress!, rows: length, columns: length)
                            cblas_sgemm(
                                CblasRowMajor,
                                CblasNoTrans,
                                CblasNoTrans,
                                Int32(length),
                                Int32(headSize),
                                Int32(length),
                                1,
                                scores.baseAddress,
                                Int32(length),
                                value,
                                Int32(stride),
                                0,
                                context.baseAddress! + start * hidden + head * headSize,
                                Int32(hidden)
                            )
                        }
                        start += length
                    }
                }
            }
        }
    }

    /// `states = LayerNorm(states + residual)`, row by row.
    private func addAndNormalize(
        _ states: inout [Float],
        _ residual: [Float],
        _ weight: UnsafeBufferPointer<Float>,
        _ bias: UnsafeBufferPointer<Float>,
        _ epsilon: Float
    ) {
        let hidden = configuration.hiddenSize
        states.withUnsafeMutableBufferPointer { states in
            residual.withUnsafeBufferPointer { residual in
                for index in 0..<states.count { states[index] += residual[index] }
                for start in stride(from: 0, to: states.count, by: hidden) {
                    Activation.layerNorm(
                        UnsafeMutableBufferPointer(rebasing: states[start..<(start + hidden)]),
                        weight,
                        bias,
                        epsilon
                    )
                }
            }
        }
    }

    /// Mean over each sequence's tokens, then L2 normalization.
    private func pool(_ states: [Float], lengths: [Int]) -> [[Float]] {
        let hidden = configuration.hiddenSize
        var vectors: [[Float]] = []
        vectors.reserveCapacity(lengths.count)
        var row = 0
        for length in lengths {
            var vector = [Float](repeating: 0, count: hidden)
            for token in row..<(row + length) {
                for column in 0..<hidden { vector[column] += states[token * hidden + column] }
            }
            row += length
            vectors.append(Activation.normalized(vector))
        }
        return vectors
    }
}
