import Foundation
import Logging
import ProviderSimulator

/// The provider simulator on a free loopback port, for tests in process.
public enum Simulator {
    /// The keys the simulator accepts, by the environment variable the connector files name.
    public static let keys = [
        "STREAMING_AVAILABILITY_API_KEY": "sim-sa-secret-7f3a", "WATCHMODE_API_KEY": "sim-wm-secret-91bc",
        "YOUTUBE_API_KEY": "sim-yt-secret-44de",
    ]

    /// Options that accept exactly ``keys``.
    public static let options = ProviderSimulator.Options(keys: [
        "streaming-availability": [keys["STREAMING_AVAILABILITY_API_KEY"]!],
        "watchmode": [keys["WATCHMODE_API_KEY"]!],
        "youtube": [keys["YOUTUBE_API_KEY"]!],
    ])

    /// Runs `body` with a simulator of `titles` titles (seed 7) and its base URL.
    public static func serve(
        titles: Int = 120,
        options: ProviderSimulator.Options = options,
        faults: [Fault] = [],
        logger: Logger,
        _ body: (ProviderSimulator, String) async throws -> Void
    ) async throws {
        let simulator = try ProviderSimulator(
            world: SimulatedWorld(count: titles, seed: 7, now: Date()),
            options: options,
            faults: faults
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = simulator.makeApplication(logger: logger) { continuation.yield($0) }
        try await whileServing(app, ports: ports, logger: logger) { port in
            try await body(simulator, "http://127.0.0.1:\(port)")
        }
    }
}
