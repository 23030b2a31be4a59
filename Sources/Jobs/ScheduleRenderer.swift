import Foundation

/// Writes the schedule of every job as a crontab and as systemd service and timer units.
///
/// Every path in the output is absolute; keys come from an environment file that cron and
/// systemd read, never from the units themselves; no `flock` is needed because `mediagw run`
/// takes the job's own lock.
public struct ScheduleRenderer: Sendable {
    /// The `mediagw` binary the schedule runs.
    public var binary: String
    /// Working directory, and the base of the relative paths below.
    public var workingDirectory: String
    public var jobsDirectory: String
    public var connectorsDirectory: String
    public var staging: String
    public var snapshots: String
    /// The matcher's settings and overrides.
    public var resolution: String
    /// `KEY=value` lines with the API keys; optional for systemd (`-` prefix), sourced by cron.
    public var environmentFile: String
    /// Where cron appends each job's log (systemd logs to the journal).
    public var logDirectory: String
    /// Account the systemd service runs as; nil for the manager's default.
    public var user: String?

    public init(
        binary: String,
        workingDirectory: String,
        jobsDirectory: String = "jobs",
        connectorsDirectory: String = "connectors",
        staging: String = "var/staging.sqlite",
        snapshots: String = "snapshots",
        resolution: String = "resolution",
        environmentFile: String = "/etc/mediagw/mediagw.env",
        logDirectory: String = "var/log",
        user: String? = nil
    ) {
        self.binary = binary
        self.workingDirectory = workingDirectory
        self.jobsDirectory = jobsDirectory
        self.connectorsDirectory = connectorsDirectory
        self.staging = staging
        self.snapshots = snapshots
        self.resolution = resolution
        self.environmentFile = environmentFile
        self.logDirectory = logDirectory
        self.user = user
    }

    /// `path` made absolute against the working directory.
    func absolute(_ path: String) -> String {
        path.hasPrefix("/")
            ? path : ((workingDirectory as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// The command line that runs `job` (arguments, each one shell-safe).
    public func command(for job: JobConfiguration) -> [String] {
        [
            absolute(binary), "run", job.name, "--jobs", absolute(jobsDirectory), "--connectors",
            absolute(connectorsDirectory), "--staging", absolute(staging), "--snapshots", absolute(snapshots),
            "--resolution", absolute(resolution),
            "--log-format", "json", "--log-level", "info", "--no-progress",
        ]
    }

    /// Files to write, by name relative to the output directory.
    public func render(_ jobs: [JobConfiguration]) -> [String: String] {
        let scheduled = jobs.filter { $0.schedule != nil }
        var files: [String: String] = ["crontab": crontab(scheduled)]
        for job in scheduled {
            files["systemd/mediagw-\(job.name).service"] = service(job)
            files["systemd/mediagw-\(job.name).timer"] = timer(job)
        }
        return files
    }

    /// A crontab for every scheduled job. `CRON_TZ` sets each job's zone (cronie and systemd-cron
    /// honour it; Debian's cron reads every line in the system's zone).
    public func crontab(_ jobs: [JobConfiguration]) -> String {
        var lines = [
            "# mediagw schedule, written by `mediagw cron render`; install with `crontab FILE`.",
            "# Keys are read from \(absolute(environmentFile)); logs go to \(absolute(logDirectory)).",
            "# No flock is needed: a run whose job is still running exits 73 and leaves it alone.",
            "SHELL=/bin/sh",
        ]
        for job in jobs {
            guard let schedule = job.schedule else { continue }
            let log = Self.quote(absolute(logDirectory) + "/\(job.name).log")
            let environment = Self.quote(absolute(environmentFile))
            let run = command(for: job).map(Self.quote).joined(separator: " ")
            let line =
                "\(schedule.cron.description.trimmingCharacters(in: .whitespaces)) "
                + "cd \(Self.quote(absolute(workingDirectory))) && mkdir -p \(Self.quote(absolute(logDirectory))) && "
                + "{ [ ! -r \(environment) ] || { set -a; . \(environment); set +a; }; } && "
                + "\(run) >> \(log) 2>&1"
            lines.append("")
            lines.append("# \(job.name)" + (job.description.map { ": \($0)" } ?? ""))
            lines.append("CRON_TZ=\(schedule.timeZone.identifier)")
            // cron reads an unescaped % as a newline.
            lines.append(line.replacingOccurrences(of: "%", with: "\\%"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func service(_ job: JobConfiguration) -> String {
        var lines = [
            "# Written by `mediagw cron render`.",
            "[Unit]",
            "Description=mediagw job \(job.name)" + (job.description.map { ": \($0)" } ?? ""),
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
        ]
        if let user { lines.append("User=\(user)") }
        lines += [
            "WorkingDirectory=\(absolute(workingDirectory))",
            "EnvironmentFile=-\(absolute(environmentFile))",
            "ExecStart=" + command(for: job).map(Self.systemdQuote).joined(separator: " "),
            "# 2 partial, 75 quota exhausted: the run did what it could and resumes next time.",
            "SuccessExitStatus=2 75",
            "TimeoutStartSec=" + (job.runTimeout.map { "\(Int($0) + 3600)" } ?? "infinity"),
            "KillSignal=SIGTERM",
            "TimeoutStopSec=120",
            "Nice=10",
            "StandardOutput=journal",
            "StandardError=journal",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    public func timer(_ job: JobConfiguration) -> String {
        guard let schedule = job.schedule else { return "" }
        var lines = [
            "# Written by `mediagw cron render`; schedule '\(schedule.cron)' in \(schedule.timeZone.identifier).",
            "[Unit]",
            "Description=Schedule of mediagw job \(job.name)",
            "",
            "[Timer]",
        ]
        lines += schedule.cron.systemdCalendar(zone: schedule.timeZone).map { "OnCalendar=\($0)" }
        lines += [
            "# A run missed while the machine was off starts at boot.",
            "Persistent=true",
            "Unit=mediagw-\(job.name).service",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Quotes for /bin/sh when needed.
    static func quote(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@+,".contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Quotes for a systemd command line when needed (`%` starts a specifier there).
    static func systemdQuote(_ raw: String) -> String {
        let text = raw.replacingOccurrences(of: "%", with: "%%")
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@+,".contains($0) }
        return safe && !text.isEmpty
            ? text
            : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
    }
}
