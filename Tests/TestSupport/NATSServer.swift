import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real NATS server with JetStream for tests, on a loopback port of its own with a store
/// directory that outlives a restart, stopped by PID (SIGTERM, then SIGKILL after a short grace).
///
/// The binary is `$MEDIAGW_NATS_SERVER`, else `.build/venv-nats/bin/nats-server` (what
/// `scripts/install-nats.sh` installs; `scripts/test.sh` runs it). A server that cannot be found
/// or started is a test failure, never a skip. ``jetstream(_:)`` runs the independent nats-py
/// client of `Tests/EndToEndTests/Fixtures/jetstream.py` against it.
public final class NATSServer: @unchecked Sendable {
    public let port: Int
    public let storeDirectory: String
    private var process: Process?
    private let logPath: String
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public var url: String { "nats://127.0.0.1:\(port)" }

    public init() throws {
        storeDirectory = temporaryDirectory("nats")
        logPath = storeDirectory + ".log"
        port = try SeaweedFS.freePorts(1)[0]
        try start()
    }

    /// Starts (or starts again, on the same port and store) and waits until the port answers.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.locate("nats-server", variable: "MEDIAGW_NATS_SERVER"))
        process.arguments = ["-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", storeDirectory]
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while !Self.accepts(port) {
            guard process.isRunning, Date() < deadline else {
                let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.suffix(2000) ?? ""
                stop()
                throw NATSServerError("nats-server did not start on port \(port) within 20 s; its log ends:\n\(tail)")
            }
            usleep(50_000)
        }
    }

    /// Stops the server (`signal` first: SIGTERM for a clean stop, SIGKILL for a crash).
    public func stop(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Runs `jetstream.py URL ARGUMENTS…` (nats-py) and returns its standard output; one that
    /// takes over 30 s is stopped and fails.
    public func jetstream(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.locate("python", variable: "MEDIAGW_NATS_PYTHON"))
        let script = Self.root.appendingPathComponent("Tests/EndToEndTests/Fixtures/jetstream.py").path
        process.arguments = [script, url] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // A client that hangs (a server gone mid-call) is stopped, so the test fails instead.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NATSServerError(
                "jetstream.py \(arguments.joined(separator: " ")) failed: "
                    + String(decoding: problem.suffix(2000), as: UTF8.self)
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func locate(_ name: String, variable: String) throws -> String {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
        let venv = root.appendingPathComponent(".build/venv-nats/bin/\(name)").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        throw NATSServerError(
            "\(name) from .build/venv-nats is missing: run scripts/install-nats.sh (scripts/test.sh does), "
                + "or set \(variable)"
        )
    }

    static func accepts(_ port: Int) -> Bool { SeaweedFS.onLoopback(port, connect) }
}

public struct NATSServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
