import ArgumentParser
import Embeddings
import Foundation
import MediaModel
import ObjectStore
import QueryServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the current snapshot over HTTP (read-only), swapping to each newly published one.",
        discussion: "Stops gracefully on SIGTERM or SIGINT. API: docs/http-api.md."
    )

    @Option(help: ArgumentHelp("Address to bind.", valueName: "address")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("Port to bind (0 picks a free one and prints it).", valueName: "port")) var port = 8080
    @Option(help: ArgumentHelp("Seconds between checks of CURRENT.", valueName: "seconds")) var pollInterval = 1.0
    @OptionGroup var ranking: RankingOptions
    @Option(help: ArgumentHelp("Open connections at most; more wait until one closes.", valueName: "n"))
    var maxConnections = 4096
    @Option(
        help: ArgumentHelp(
            "Seconds a connection may send nothing (mid-header or between requests) before it is closed.",
            valueName: "seconds"
        )
    )
    var idleTimeout = 30.0
    @Option(
        help: ArgumentHelp(
            "Threads that run searches and query embedding; the default is one per core.",
            valueName: "n"
        )
    )
    var searchThreads = ProcessInfo.processInfo.activeProcessorCount
    @Option(
        help: ArgumentHelp(
            "Searches that may wait for a thread; more are answered 503 with Retry-After.",
            valueName: "n"
        )
    )
    var searchQueue = 256
    @Option(
        help: ArgumentHelp(
            "Embedding model calls that run at once; queries that arrive meanwhile are embedded together in the "
                + "next call. The default, half the search threads, leaves the rest to the searches.",
            valueName: "n"
        )
    )
    var embeddingLanes: Int?
    @Option(
        help: ArgumentHelp("Seconds a search may wait for a thread before it is answered 503.", valueName: "seconds")
    ) var searchDeadline = 2.0
    @Option(
        help: ArgumentHelp(
            "Megabytes of search answers kept to answer the same query again on the same snapshot; 0 keeps none.",
            valueName: "MB"
        )
    )
    var responseCache = 64
    @Option(
        help: ArgumentHelp(
            "Serve what an object store's CURRENT names, downloading each new snapshot into --cache.",
            valueName: "s3://bucket/prefix"
        )
    )
    var from: String?
    @Option(
        help: ArgumentHelp(
            "With --from: the local cache of downloaded snapshots (default: ~/.cache/mediagw/BUCKET/PREFIX). "
                + "A daemon that starts while the store is unreachable serves from it.",
            valueName: "dir"
        )
    )
    var cache: String?
    @Option(help: ArgumentHelp("With --from: seconds between checks of the store's CURRENT.", valueName: "seconds"))
    var storePollInterval = 5.0
    @OptionGroup var embedding: QueryEmbeddingOptions
    @OptionGroup var store: ObjectStoreOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard pollInterval > 0 else { throw ValidationError("--poll-interval must be positive") }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be 1…1000000")
        }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
        guard (1...256).contains(searchThreads) else { throw ValidationError("--search-threads must be 1…256") }
        guard (0...100_000).contains(searchQueue) else { throw ValidationError("--search-queue must be 0…100000") }
        if let embeddingLanes, !(1...searchThreads).contains(embeddingLanes) {
            throw ValidationError("--embedding-lanes must be 1…\(searchThreads) (the search threads)")
        }
        guard searchDeadline > 0 else { throw ValidationError("--search-deadline must be positive") }
        guard (0...65_536).contains(responseCache) else { throw ValidationError("--response-cache must be 0…65536") }
        guard storePollInterval > 0 else { throw ValidationError("--store-poll-interval must be positive") }
        if let from {
            do {
                _ = try S3Location(parsing: from)
            } catch let error as MediaError {
                throw ValidationError("--from: \(error.message)")
            }
        } else if cache != nil {
            throw ValidationError("--cache is for --from; a local daemon serves --snapshots")
        }
    }

    /// The store to follow and the cache it fills, with --from.
    private func storeSource() throws -> (source: StoreSource, cache: String)? {
        guard let from else { return nil }
        let location = try S3Location(parsing: from)
        let cacheRoot =
            Environment.value("XDG_CACHE_HOME")
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        let directory =
            cache
            ?? ([cacheRoot, "mediagw", location.bucket] + (location.prefix.isEmpty ? [] : [location.prefix]))
            .joined(separator: "/")
        let source = StoreSource(
            bucket: try store.bucket(location),
            pollInterval: .milliseconds(Int(storePollInterval * 1000))
        )
        return (source, directory)
    }

    func run() async throws {
        var logger = common.makeLogger()
        logger[metadataKey: "service"] = "serve"
        // Without a model the daemon still serves lexical search, and says so.
        var embedder: (any Embedder)?
        var embedderProblem: String?
        do {
            embedder = try await embedding.embedding.makeEmbedder()
        } catch {
            embedderProblem = "\(error)"
            FileHandleOutput.standardError(
                "mediagw: semantic search is off: \(error). Serving lexical search; /readyz lists what is missing."
            )
        }
        let following = try await exitOnError { try storeSource() }
        let server = QueryServer(
            configuration: ServerConfiguration(
                host: host,
                port: port,
                snapshotsDirectory: following?.cache ?? common.snapshots,
                pollInterval: .milliseconds(Int(pollInterval * 1000)),
                ranking: try ranking.tuning(),
                maximumConnections: maxConnections,
                idleTimeout: .milliseconds(Int(idleTimeout * 1000)),
                searchThreads: searchThreads,
                searchQueueLimit: searchQueue,
                queryCache: embedding.queryCache,
                embeddingLanes: embeddingLanes
                    ?? ServerConfiguration.defaultEmbeddingLanes(searchThreads: searchThreads),
                searchDeadline: .milliseconds(Int(searchDeadline * 1000)),
                responseCacheBytes: responseCache << 20,
                store: following?.source
            ),
            embedder: embedder,
            embedderProblem: embedderProblem,
            logger: logger
        )
        let host = self.host
        let port = self.port
        try await exitOnError {
            do {
                try await serve(server, host: host)
            } catch let error as MediaError {
                throw error
            } catch {
                throw MediaError(.io, "cannot serve on \(host):\(port): \(error)")
            }
        }
    }

    private func serve(_ server: QueryServer, host: String) async throws {
        try await server.run { port in
            // One line on stdout so scripts (and the end-to-end tests) learn the bound port.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
    }
}
