import ArgumentParser
import Foundation
import Logging
import MediaModel
import ProviderSimulator

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve the four providers' APIs on loopback over a generated catalog.",
        discussion: """
            Streaming Availability under /v4, Watchmode under /v1, JustWatch at /graphql, YouTube \
            under /youtube/v3 and /feeds. Inject faults with --fault PROVIDER:KIND[:COUNT[:AFTER]] \
            (kinds: rate-limit, server-error, slow, truncated, malformed, quota, expired-cursor) or \
            at run time with POST /_simulator/faults. --connectors DIR writes connector files \
            pointing at the simulator.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port (0 picks a free one; the chosen port is printed).", valueName: "port"))
    var port = 8090

    @Option(help: ArgumentHelp("Titles in the generated world.", valueName: "n"))
    var titles = 500

    @Option(help: ArgumentHelp("Seed of the generated world.", valueName: "n"))
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Source-record JSONL whose titles seed the world.", valueName: "file"))
    var catalog: String?

    @Option(help: ArgumentHelp("Inject a fault: PROVIDER:KIND[:COUNT[:AFTER]] (repeatable).", valueName: "fault"))
    var fault: [String] = []

    @Option(help: ArgumentHelp("Require this key: PROVIDER=KEY (repeatable).", valueName: "key"))
    var key: [String] = []

    @Option(help: "YouTube units a key may spend before quotaExceeded.")
    var youtubeDailyUnits = 10_000

    @Flag(help: "Refuse Watchmode's /changes endpoints with 403, as a free plan does.")
    var watchmodeNoChanges = false

    @Flag(help: "Answer gzip-compressed (Content-Encoding: gzip) when the client accepts it.")
    var gzip = false

    @Option(help: ArgumentHelp("Serve recorded responses from this directory first (index.json).", valueName: "dir"))
    var replay: String?

    @Option(help: ArgumentHelp("Write the ground truth (JSONL) here.", valueName: "file"))
    var groundTruth: String?

    @Option(
        help: ArgumentHelp("Write connector files pointing at the simulator into this directory.", valueName: "dir")
    )
    var connectors: String?

    @Option(help: ArgumentHelp("Log level.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() async throws {
        LogSetup.bootstrap(format: .text, level: logLevel)
        let logger = Logger(label: "mediagw.simulator")
        let faults = try fault.map { text -> Fault in
            guard let fault = Fault(argument: text) else {
                throw ValidationError("--fault '\(text)': expected PROVIDER:KIND[:COUNT[:AFTER]]")
            }
            return fault
        }
        var keys: [String: [String]] = [:]
        for entry in key {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--key '\(entry.prefix(20))…': expected PROVIDER=KEY") }
            keys[parts[0], default: []].append(parts[1])
        }
        let simulator = try await exitOnError {
            let base = try catalog.map(SimulatedWorld.loadBase(path:)) ?? []
            var options = ProviderSimulator.Options(
                keys: keys,
                youtubeDailyUnits: youtubeDailyUnits,
                watchmodeChangesAllowed: !watchmodeNoChanges,
                replayDirectory: replay
            )
            options.gzip = gzip
            return try ProviderSimulator(
                world: SimulatedWorld(count: titles, seed: seed, base: base),
                options: options,
                faults: faults
            )
        }
        if let groundTruth {
            try simulator.world.groundTruth().write(to: URL(fileURLWithPath: groundTruth))
        }
        try await simulator.serve(host: host, port: port, logger: logger) { port in
            let base = "http://\(host):\(port)"
            if let connectors {
                try? ProviderSimulator.writeConnectorFiles(to: connectors, base: base)
            }
            FileHandleOutput.standardOutput("simulator listening on \(base)")
        }
    }
}
