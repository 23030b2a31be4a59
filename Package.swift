// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mediagw",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mediagw", targets: ["mediagw"]),
        .executable(name: "mediagw-bench", targets: ["MediagwBenchmarks"]),
        .executable(name: "mediagw-fuzz", targets: ["MediagwFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Already in the graph through Hummingbird; named for NIOCore's IOError (a port in use).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The Model Context Protocol for `mediagw mcp` (decided for this wave).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // System-library shims.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        // Int8 dot products with AVX2 chosen at run time (decision 0024).
        .target(name: "CVectorKernels"),

        // Pipeline stages, left to right (see docs/decisions/0001-layout.md): Connectors fetch,
        // Staging keeps every record and all state, Resolution, Embeddings and Snapshots turn
        // records into an immutable snapshot, Search and QueryServer read it. Only Jobs (and the
        // CLI) tie stages to Staging; nothing right of Staging links a database
        // (scripts/check-layering.sh).
        .target(name: "Compression", dependencies: ["CZstd", "CZlib"]),
        .target(name: "MediaModel"),
        // HTTP requests over URLSession (libcurl) and retry timing, for connectors, alert hooks
        // and the object store.
        .target(name: "HTTPClient"),
        // Configuration files (YAML) read with every error naming the file, key and line, and the
        // durations they hold: what connector, job and resolution files are parsed with.
        .target(
            name: "ConfigFiles",
            dependencies: ["MediaModel", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Connectors",
            dependencies: [
                "MediaModel", "Compression", "HTTPClient", "ConfigFiles",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ProviderSimulator",
            dependencies: [
                "MediaModel", "Compression", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Staging",
            dependencies: [
                "MediaModel", "Compression",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Resolution",
            dependencies: ["MediaModel", "Compression", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Embeddings",
            dependencies: [
                "CBLAS", "MediaModel", "Compression", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Snapshots",
            dependencies: [
                "MediaModel", "Compression", "CVectorKernels", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "Search", dependencies: ["MediaModel", "Snapshots"]),
        // S3-compatible object storage (SigV4 over HTTPClient), and snapshots published to it.
        .target(
            name: "ObjectStore",
            dependencies: [
                "MediaModel", "Compression", "HTTPClient", "Snapshots",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "QueryServer",
            dependencies: [
                "MediaModel", "Embeddings", "Snapshots", "Search", "Assistant", "ObjectStore", "HTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The assistant's tools over a snapshot, and the MCP server that offers them.
        .target(
            name: "Assistant",
            dependencies: [
                "MediaModel", "Snapshots", "Search", "Embeddings", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Change events to NATS JetStream: a small client over SwiftNIO (decision 0017).
        .target(
            name: "Events",
            dependencies: [
                "MediaModel", "Snapshots",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Jobs",
            dependencies: [
                "MediaModel", "Compression", "HTTPClient", "ConfigFiles", "Connectors", "Staging", "Resolution",
                "Embeddings", "Snapshots", "ObjectStore", "Events", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mediagw",
            dependencies: [
                "MediaModel", "Connectors", "Staging", "Resolution", "Embeddings", "Snapshots", "Search", "QueryServer",
                "Jobs", "ProviderSimulator", "Assistant", "ObjectStore", "Events", "ConfigFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "MediagwBenchmarks",
            dependencies: [
                "MediaModel", "Compression", "HTTPClient", "Connectors", "Staging", "Resolution", "Embeddings",
                "Snapshots", "Search", "Jobs", "ProviderSimulator", "ObjectStore",
            ],
            path: "Benchmarks/MediagwBenchmarks"
        ),
        // A libFuzzer target over the readers of outside bytes; scripts/fuzz.sh builds and runs it.
        .executableTarget(
            name: "MediagwFuzz",
            dependencies: [
                "MediaModel", "Compression", "Connectors", "Staging", "Snapshots", "Search",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Fuzz/MediagwFuzz"
        ),

        // Tests: one target per source target, plus end-to-end tests of the real binary.
        .target(
            name: "TestSupport",
            dependencies: [
                "MediaModel", "Snapshots", "Embeddings", "ProviderSimulator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MediaModelTests", dependencies: ["MediaModel"]),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: ["TestSupport", "ObjectStore", "HTTPClient", "MediaModel", "Snapshots"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AssistantTests",
            dependencies: [
                "TestSupport", "Assistant", "MediaModel", "Snapshots", "Search",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: [
                "TestSupport", "Connectors", "ProviderSimulator", "Staging", "Jobs", "MediaModel", "HTTPClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "StagingTests",
            dependencies: [
                "Staging", "MediaModel", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "ResolutionTests", dependencies: ["Resolution", "Staging", "MediaModel"]),
        .testTarget(
            name: "EmbeddingsTests",
            dependencies: [
                "TestSupport", "Embeddings", "MediaModel", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SnapshotsTests",
            dependencies: ["TestSupport", "Snapshots", "MediaModel", "CVectorKernels"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SearchTests", dependencies: ["TestSupport", "Search", "Snapshots", "MediaModel"]),
        .testTarget(
            name: "QueryServerTests",
            dependencies: [
                "TestSupport",
                "QueryServer", "Snapshots", "MediaModel", "Embeddings", "Search",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: [
                "TestSupport", "Jobs", "Embeddings", "Staging", "Snapshots", "MediaModel", "Resolution",
                "Connectors", "ProviderSimulator", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            // Depending on the executable makes `swift test` build the binary these tests drive.
            dependencies: [
                "mediagw", "TestSupport", "MediaModel", "Staging", "Jobs", "Snapshots", "ObjectStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
