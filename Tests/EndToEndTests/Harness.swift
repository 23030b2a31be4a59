import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Drives the real `mediagw` binary built next to the test bundle.
enum Harness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [
            besideTests.appendingPathComponent("mediagw").path,
            besideTests.deletingLastPathComponent().appendingPathComponent("mediagw").path,
            packageRoot.appendingPathComponent(".build/debug/mediagw").path,
        ] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return packageRoot.appendingPathComponent(".build/debug/mediagw").path
    }

    static func sample(_ name: String) -> String {
        packageRoot.appendingPathComponent("samples/\(name)").path
    }

    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: "Fixtures/\(name)", ofType: nil)!
    }

    /// A fresh working directory with staging and snapshot paths.
    struct Workspace {
        let root: String
        /// Variables added to (or overriding) the test process's environment.
        var extraEnvironment: [String: String] = [:]
        var staging: String { root + "/var/staging.sqlite" }
        var snapshots: String { root + "/snapshots" }

        init() {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID())").path
            try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        }

        var environment: [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["MEDIAGW_STAGING"] = staging
            environment["MEDIAGW_SNAPSHOTS"] = snapshots
            environment.merge(extraEnvironment) { $1 }
            return environment
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A process for the binary in `workspace`, its stdout and stderr going to new files.
    static func makeProcess(_ arguments: [String], in workspace: Workspace) -> (Process, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = workspace.environment
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
        let out = workspace.root + "/out-\(UUID()).txt"
        let err = workspace.root + "/err-\(UUID()).txt"
        for file in [out, err] { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        return (process, out, err)
    }

    /// Runs the binary to completion.
    @discardableResult
    static func run(_ arguments: [String], in workspace: Workspace, input: String? = nil) async throws -> Result {
        let (process, out, err) = makeProcess(arguments, in: workspace)
        if let input { process.standardInput = FileHandle(forReadingAtPath: input) }
        try process.run()
        await process.exited()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        )
    }

    /// Starts the binary; returns the process and the files its stdout and stderr go to.
    static func start(_ arguments: [String], in workspace: Workspace) throws -> (Process, out: String, err: String) {
        let started = makeProcess(arguments, in: workspace)
        try started.0.run()
        return started
    }

    /// Starts `mediagw serve` on an ephemeral port and returns it with its base URL.
    static func serve(in workspace: Workspace, extra: [String] = []) async throws -> (Process, URL, logs: String) {
        let (process, out, err) = try start(
            ["serve", "--port", "0", "--poll-interval", "0.1", "--log-format", "json", "--log-level", "info"] + extra,
            in: workspace
        )
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                return (process, URL(string: String(line.dropFirst("listening on ".count)))!, err)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw HarnessError(message: "the daemon did not report its port")
    }

    struct HarnessError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func get(_ base: URL, _ path: String) async throws -> (status: Int, json: [String: Any]) {
        let answer = try await httpGet(base, path, timeout: 10)
        return (answer.status, answer.json)
    }
}
