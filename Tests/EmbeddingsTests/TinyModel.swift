import Foundation
import MediaModel
import TestSupport

/// A tiny BERT with seeded random weights, written as a real `config.json`, `vocab.txt` and
/// `model.safetensors`, so the encoder plumbing is tested in milliseconds without the real model.
struct TinyModel {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "##s", "dog", "run", "##ning", ".",
        ",", "!", "a", "fish", "sea", "star",
    ]
    static let hidden = 8
    static let heads = 2
    static let layers = 2
    static let intermediate = 16
    static let positions = 16

    /// Tensor name → (shape, values), in the layout of a Hugging Face BERT checkpoint.
    let tensors: [(name: String, shape: [Int], values: [Float])]

    init(seed: UInt64 = 7) {
        var generator = SplitMix64(seed: seed)
        func random(_ shape: [Int], scale: Float = 0.5) -> [Float] {
            (0..<shape.reduce(1, *)).map { _ in (Float(generator.next() % 2001) / 1000 - 1) * scale }
        }
        let h = Self.hidden
        var tensors: [(String, [Int], [Float])] = [
            ("embeddings.word_embeddings.weight", [Self.vocabulary.count, h], random([Self.vocabulary.count, h])),
            ("embeddings.position_embeddings.weight", [Self.positions, h], random([Self.positions, h])),
            ("embeddings.token_type_embeddings.weight", [2, h], random([2, h])),
            ("embeddings.LayerNorm.weight", [h], random([h], scale: 0.2).map { $0 + 1 }),
            ("embeddings.LayerNorm.bias", [h], random([h], scale: 0.1)),
        ]
        for layer in 0..<Self.layers {
            let prefix = "encoder.layer.\(layer)."
            for name in ["query", "key", "value"] {
                tensors.append((prefix + "attention.self.\(name).weight", [h, h], random([h, h])))
                tensors.append((prefix + "attention.self.\(name).bias", [h], random([h], scale: 0.1)))
            }
            tensors += [
                (prefix + "attention.output.dense.weight", [h, h], random([h, h])),
                (prefix + "attention.output.dense.bias", [h], random([h], scale: 0.1)),
                (prefix + "attention.output.LayerNorm.weight", [h], random([h], scale: 0.2).map { $0 + 1 }),
                (prefix + "attention.output.LayerNorm.bias", [h], random([h], scale: 0.1)),
                (prefix + "intermediate.dense.weight", [Self.intermediate, h], random([Self.intermediate, h])),
                (prefix + "intermediate.dense.bias", [Self.intermediate], random([Self.intermediate], scale: 0.1)),
                (prefix + "output.dense.weight", [h, Self.intermediate], random([h, Self.intermediate])),
                (prefix + "output.dense.bias", [h], random([h], scale: 0.1)),
                (prefix + "output.LayerNorm.weight", [h], random([h], scale: 0.2).map { $0 + 1 }),
                (prefix + "output.LayerNorm.bias", [h], random([h], scale: 0.1)),
            ]
        }
        self.tensors = tensors
    }

    func tensor(_ name: String) -> [Float] { tensors.first { $0.name == name }!.values }

    /// Writes the model into a new directory named `tiny-bert` and returns its path.
    func write(under directory: URL) throws -> String {
        let model = directory.appendingPathComponent("tiny-bert")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "vocab_size": Self.vocabulary.count, "hidden_size": Self.hidden, "num_hidden_layers": Self.layers,
            "num_attention_heads": Self.heads, "intermediate_size": Self.intermediate,
            "max_position_embeddings": Self.positions, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
        try (Self.vocabulary.joined(separator: "\n") + "\n").write(
            to: model.appendingPathComponent("vocab.txt"),
            atomically: true,
            encoding: .utf8
        )

        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var body = Data()
        for (name, shape, values) in tensors {
            let start = body.count
            values.withUnsafeBytes { body.append(contentsOf: $0) }
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [start, body.count]]
        }
        var headerData = try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)
        // Pad the header with spaces to an odd length so tensor data is misaligned: the loader
        // must cope with that as well as with the aligned layout real checkpoints use.
        if headerData.count % 2 == 0 { headerData.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(headerData)
        file.append(body)
        try file.write(to: model.appendingPathComponent("model.safetensors"))
        return model.path
    }
}
