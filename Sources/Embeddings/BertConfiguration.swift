import Foundation
import MediaModel

/// The shape of a BERT encoder, read from a model's `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var layerNormEpsilon: Float

    public init(
        vocabularySize: Int,
        hiddenSize: Int,
        layerCount: Int,
        headCount: Int,
        intermediateSize: Int,
        maxPositions: Int,
        layerNormEpsilon: Float = 1e-12
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.layerNormEpsilon = layerNormEpsilon
    }

    var headSize: Int { hiddenSize / headCount }

    /// Reads the Hugging Face `config.json` keys this encoder needs; names the missing key.
    public init(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError(.notFound, "cannot read model configuration \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MediaError(.badInput, "model configuration \(path) is not a JSON object")
        }
        func integer(_ key: String) throws -> Int {
            guard let value = object[key] as? Int, value > 0 else {
                throw MediaError(.badInput, "model configuration \(path): \(key) must be a positive integer")
            }
            return value
        }
        if let activation = object["hidden_act"] as? String, activation != "gelu" {
            throw MediaError(.badInput, "model configuration \(path): hidden_act \(activation) is not supported (gelu)")
        }
        self.init(
            vocabularySize: try integer("vocab_size"),
            hiddenSize: try integer("hidden_size"),
            layerCount: try integer("num_hidden_layers"),
            headCount: try integer("num_attention_heads"),
            intermediateSize: try integer("intermediate_size"),
            maxPositions: try integer("max_position_embeddings"),
            layerNormEpsilon: Float((object["layer_norm_eps"] as? Double) ?? 1e-12)
        )
        guard hiddenSize % headCount == 0 else {
            throw MediaError(
                .badInput,
                "model configuration \(path): hidden_size \(hiddenSize) is not a multiple of num_attention_heads"
            )
        }
    }
}
