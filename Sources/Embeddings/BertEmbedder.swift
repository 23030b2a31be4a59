import CBLAS
import Dispatch
import Foundation
import MediaModel

/// The native sentence embedder: a sentence-transformers BERT model (all-MiniLM-L6-v2 by
/// default) loaded from a directory holding `config.json`, `vocab.txt` and `model.safetensors`.
///
/// Texts are tokenized, sorted by length and cut into batches of similar length; batches run
/// on `workers` threads, each with single-threaded BLAS, which keeps every core busy without
/// BLAS threads and workers fighting over them.
public final class BertEmbedder: Embedder, @unchecked Sendable {
    public let modelID: String
    public var dimension: Int { encoder.configuration.hiddenSize }
    public let tokenizer: WordPieceTokenizer
    /// Threads used by ``embed(_:)``; defaults to the number of cores.
    public let workers: Int
    private let encoder: BertEncoder
    /// Upper bound on the tokens of one batch: large enough for efficient matrix products,
    /// small enough that a batch's activations stay in cache-friendly sizes.
    static let tokensPerBatch = 2048

    /// Loads the model in `directory`; its id is the directory's name.
    public init(directory: String, workers: Int? = nil) throws {
        let fileManager = FileManager.default
        for file in ["config.json", "vocab.txt", "model.safetensors"]
        where !fileManager.fileExists(atPath: directory + "/" + file) {
            throw MediaError(
                .notFound,
                "embedding model not installed: \(directory)/\(file) is missing; run scripts/install-model.sh "
                    + "(or set MEDIAGW_MODELS to where it is installed)"
            )
        }
        let configuration = try BertConfiguration(file: directory + "/config.json")
        modelID = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        tokenizer = try WordPieceTokenizer(
            vocabularyFile: directory + "/vocab.txt",
            maxLength: min(256, configuration.maxPositions)
        )
        encoder = try BertEncoder(
            configuration: configuration,
            weights: try SafeTensors(path: directory + "/model.safetensors")
        )
        self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(1)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        embedSynchronously(texts)
    }

    /// Embeds on the calling thread and the worker threads; for callers that are not async.
    public func embedSynchronously(_ texts: [String]) -> [[Float]] {
        let sequences = texts.map { tokenizer.tokenize($0) }
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            if !current.isEmpty && tokens + sequences[index].count > Self.tokensPerBatch {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += sequences[index].count
        }
        if !current.isEmpty { batches.append(current) }

        let results = ResultSlots(count: texts.count)
        let encoder = self.encoder
        let workerCount = min(workers, batches.count)
        // Longest batches first, dealt out round-robin, keeps the workers' loads even.
        let schedule = Array(batches.reversed())
        DispatchQueue.concurrentPerform(iterations: max(workerCount, 1)) { worker in
            for batch in stride(from: worker, to: schedule.count, by: max(workerCount, 1)) {
                let members = schedule[batch]
                let vectors = encoder.encode(members.map { sequences[$0] })
                for (index, vector) in zip(members, vectors) { results.store(vector, at: index) }
            }
        }
        return results.values
    }
}

/// Output slots written by several worker threads, each slot by exactly one of them.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [[Float]]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ vector: [Float], at index: Int) {
        lock.lock()
        slots[index] = vector
        lock.unlock()
    }

    var values: [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
