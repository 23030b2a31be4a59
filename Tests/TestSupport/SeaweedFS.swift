import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real S3-compatible server for tests: SeaweedFS (`weed mini`) on loopback ports of its own,
/// with a fresh data directory, stopped by PID (SIGTERM, then SIGKILL after a short grace).
///
/// The binary is `$MEDIAGW_WEED`, else `.build/venv-seaweedfs/bin/weed` (what
/// `scripts/install-seaweedfs.sh` installs; `scripts/test.sh` runs it), else `weed` on `PATH`.
/// A server that cannot be found or started is a test failure, never a skip.
public final class SeaweedFS: @unchecked Sendable {
    public let endpoint: URL
    public let accessKey = "mediagw-test-access"
    public let secretKey = "mediagw-test-secret/\(UUID().uuidString.prefix(8))"
    public let dataDirectory: String
    private let process: Process
    private let logPath: String

    /// One server shared by every test of the process that does not stop it; each test uses a
    /// bucket of its own.
    public static func shared() throws -> SeaweedFS {
        try sharedInstance.withLock { instance in
            if let instance { return instance }
            let started = try SeaweedFS()
            instance = started
            return started
        }
    }

    private static let sharedInstance = LockedValue<SeaweedFS?>(nil)

    /// Environment for a `mediagw` process that talks to this server.
    public var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": endpoint.absoluteString, "AWS_ACCESS_KEY_ID": accessKey,
            "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_REGION": "us-east-1",
        ]
    }

    /// Starts a server and waits (up to 60 s) until its S3 port answers.
    public init() throws {
        let binary = try Self.locateBinary()
        dataDirectory = temporaryDirectory("seaweedfs")
        logPath = dataDirectory + ".log"
        let ports = try Self.freePorts(7)
        endpoint = URL(string: "http://127.0.0.1:\(ports[0])")!
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "mini", "-dir=\(dataDirectory)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
            "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.port=\(ports[0])",
            "-master.port=\(ports[1])",
            "-filer.port=\(ports[2])", "-volume.port=\(ports[3])", "-admin.port=\(ports[4])",
            "-metricsPort=\(ports[5])", "-s3.metricsPort=\(ports[6])",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        _ = Self.running.withLock { $0.insert(process.processIdentifier) }
        Self.installExitHandler()
        let deadline = Date().addingTimeInterval(60)
        while !Self.answers(endpoint) {
            guard process.isRunning, Date() < deadline else {
                let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.suffix(2000) ?? ""
                stop()
                throw SeaweedFSError("SeaweedFS did not start on \(endpoint) within 60 s; its log ends:\n\(tail)")
            }
            usleep(200_000)
        }
    }

    /// Stops the server: SIGTERM, then SIGKILL if it is still running after two seconds.
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        _ = Self.running.withLock { $0.remove(pid) }
    }

    deinit { stop() }

    private static let running = LockedValue<Set<Int32>>([])
    private static let exitHandlerInstalled = LockedValue(false)

    /// Kills every server still running when the test process exits.
    private static func installExitHandler() {
        exitHandlerInstalled.withLock { installed in
            guard !installed else { return }
            installed = true
            atexit {
                for pid in SeaweedFS.running.withLock({ $0 }) { kill(pid, SIGKILL) }
            }
        }
    }

    static func locateBinary() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MEDIAGW_WEED"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venv = root.appendingPathComponent(".build/venv-seaweedfs/bin/weed").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/weed"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SeaweedFSError(
            "SeaweedFS (weed) is not installed: run scripts/install-seaweedfs.sh (scripts/test.sh does), "
                + "or set MEDIAGW_WEED to the binary"
        )
    }

    /// `count` distinct free loopback ports whose gRPC companions (port + 10000) are free too,
    /// no port being another's companion (SeaweedFS refuses to start on such a set).
    public static func freePorts(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        var taken: Set<Int> = []
        var attempts = 0
        while ports.count < count {
            attempts += 1
            guard attempts < 1000 else { throw SeaweedFSError("found no free loopback ports") }
            let port = Int.random(in: 20_000..<45_000)
            if !taken.contains(port), !taken.contains(port + 10_000), isFree(port), isFree(port + 10_000) {
                ports.append(port)
                taken.formUnion([port, port + 10_000])
            }
        }
        return ports
    }

    private static func isFree(_ port: Int) -> Bool { onLoopback(port, bind) }

    /// Whether something accepts connections on the endpoint's port.
    private static func answers(_ endpoint: URL) -> Bool { onLoopback(endpoint.port!, connect) }

    /// `operation` (bind or connect) of a new TCP socket to 127.0.0.1:`port`, and whether it worked.
    static func onLoopback(
        _ port: Int,
        _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                operation(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

public struct SeaweedFSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A value behind a lock, for the few globals tests keep.
final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
