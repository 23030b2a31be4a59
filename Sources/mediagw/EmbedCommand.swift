import ArgumentParser
import Embeddings
import Foundation
import MediaModel

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the token ids and embedding of each text as one JSON line.",
        discussion: """
            For debugging and for comparing with other implementations. Texts come from the \
            arguments, or one per line from --file (- reads standard input). Token ids are shown \
            for the native model only.
            """
    )

    @Argument(help: ArgumentHelp("Texts to embed.", valueName: "text")) var texts: [String] = []
    @Option(help: ArgumentHelp("Read texts from this file, one per line (- for stdin).", valueName: "file"))
    var file: String?
    @OptionGroup var embedding: EmbeddingOptions

    func validate() throws {
        guard !texts.isEmpty || file != nil else { throw ValidationError("give texts or --file") }
    }

    struct Line: Encodable {
        var text: String
        var model: String
        var tokens: [Int32]?
        var embedding: [Float]
    }

    func run() async throws {
        try await exitOnError {
            var inputs = texts
            if let file {
                let data: Data?
                data =
                    file == "-"
                    ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
                guard let data else { throw MediaError(.notFound, "cannot read \(file)") }
                inputs += String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
                    .map(String.init)
            }
            let embedder = try await embedding.makeEmbedder()
            let vectors = try await embedder.embed(inputs)
            let tokenizer = (embedder as? BertEmbedder)?.tokenizer
            for (text, vector) in zip(inputs, vectors) {
                let line = Line(
                    text: text,
                    model: embedder.modelID,
                    tokens: tokenizer?.tokenize(text),
                    embedding: vector
                )
                print(String(decoding: try JSONEncoder.compact.encode(line), as: UTF8.self))
            }
        }
    }
}
