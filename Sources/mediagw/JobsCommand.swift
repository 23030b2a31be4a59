import ArgumentParser
import ConfigFiles
import Foundation
import Jobs
import MediaModel

/// Where job and connector files live; shared by the commands that read jobs.
struct JobFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory of job files.", valueName: "dir"))
    var jobs: String = Environment.value("MEDIAGW_JOBS") ?? "jobs"

    @Option(help: ArgumentHelp("Directory of connector files.", valueName: "dir"))
    var connectors: String = Environment.value("MEDIAGW_CONNECTORS") ?? "connectors"

    /// The job named `name` (`jobs/<name>.yml`) or the job file at that path.
    func load(_ name: String) throws -> JobConfiguration {
        if name.hasSuffix(".yml") || name.hasSuffix(".yaml") { return try JobConfiguration.load(file: name) }
        let file = "\(jobs)/\(name).yml"
        guard FileManager.default.fileExists(atPath: file) else {
            let known = (try? JobConfiguration.files(in: jobs))?.map {
                (($0 as NSString).lastPathComponent as NSString).deletingPathExtension
            }
            throw MediaError(
                .configuration,
                "no job '\(name)' (\(file) does not exist); jobs: \(known?.joined(separator: ", ") ?? "none")"
            )
        }
        return try JobConfiguration.load(file: file)
    }
}

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List and check job files (jobs/<name>.yml).",
        subcommands: [List.self, Check.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs with their schedule and next run.")
        @OptionGroup var files: JobFileOptions

        func run() async throws {
            try await exitOnError {
                for job in try JobConfiguration.loadAll(directory: files.jobs) {
                    let connectors = job.ingest.map { part in
                        part.connector + (part.streams.isEmpty ? "" : "(\(part.streams.joined(separator: ",")))")
                    }
                    var line = "\(job.name): \(connectors.joined(separator: " ")), \(job.mode.rawValue), then "
                    line += job.steps.isEmpty ? "nothing" : job.steps.map(\.rawValue).joined(separator: ",")
                    if let schedule = job.schedule {
                        line += "; '\(schedule.cron)' \(schedule.timeZone.identifier)"
                        if let next = schedule.cron.next(after: Date(), in: schedule.timeZone) {
                            line += ", next \(next.formatted(.iso8601))"
                        }
                    } else {
                        line += "; not scheduled"
                    }
                    print(line)
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every job file and the connector files it uses.",
            discussion: """
                Prints one line per job and exits 78 if any file is invalid. Keys that are not set \
                in this environment are reported as warnings: they are needed when the job runs.
                """
        )
        @OptionGroup var files: JobFileOptions

        func run() async throws {
            let paths = try await exitOnError { try JobConfiguration.files(in: files.jobs) }
            var failures = 0
            for path in paths {
                var problems = ConfigProblems()
                var warnings: [String] = []
                if let job = problems.check({ try JobConfiguration.load(file: path) }) {
                    for part in job.ingest {
                        guard
                            let configuration = problems.check({
                                try job.connectorConfiguration(part, directory: files.connectors)
                            })
                        else { continue }
                        let configured = Set(
                            (problems.check { try configuration.streams?.table().map(\.key) } ?? [])
                                + part.settings.keys
                        )
                        for name in part.streams where !configured.contains(name) {
                            problems.record(
                                part.node.error(
                                    "stream '\(name)' is not configured in \(configuration.file) or under 'settings'"
                                )
                            )
                        }
                        for source in configuration.keySources {
                            do {
                                _ = try source.load()
                            } catch let error as MediaError {
                                warnings.append(error.message)
                            }
                        }
                    }
                    if case .environment(let name)? = job.alerts?.webhook, Environment.value(name) == nil {
                        warnings.append("the alert webhook variable \(name) is not set")
                    }
                }
                if problems.isEmpty {
                    print("ok \(path)")
                    for warning in Set(warnings).sorted() { print("  warning: \(warning)") }
                } else {
                    failures += 1
                    // One line per problem: a file's every mistake is reported in one pass.
                    for error in problems.errors {
                        for line in error.message.split(separator: "\n") { print("error \(line)") }
                    }
                }
            }
            if failures > 0 {
                FileHandleOutput.standardError("mediagw: \(failures) of \(paths.count) job files are invalid")
                throw ExitCode(ExitStatus.configuration)
            }
        }
    }
}
