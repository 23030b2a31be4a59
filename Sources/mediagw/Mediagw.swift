import ArgumentParser
import Foundation
import Jobs
import Logging
import MediaModel
import Staging

/// The `mediagw` command: parses arguments and hands off to the library modules.
@main
struct Mediagw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a searchable index of what is watchable where.",
        version: MediagwVersion.current,
        subcommands: [
            ImportCommand.self, BuildCommand.self, SnapshotCommand.self, ServeCommand.self, RunsCommand.self,
            QuarantineCommand.self, EmbedCommand.self, IngestCommand.self, SimulateCommand.self, JobsCommand.self,
            RunCommand.self, BackfillCommand.self, CronCommand.self, ScheduleCommand.self, ReprocessCommand.self,
            ResolveCommand.self, QuotaCommand.self, McpCommand.self, EvalCommand.self,
        ]
    )

    /// Parses and runs the command; an unknown command is named, with the nearest known one
    /// (the parser alone would say "unexpected arguments").
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = CommandSpelling.unknownCommand(in: arguments, root: Self.self) {
            FileHandleOutput.standardError("mediagw: \(message)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Finds a command word that names no command, walking down the subcommands.
enum CommandSpelling {
    /// Words people type for commands named otherwise here.
    static let synonyms = [
        "search": "snapshot query", "query": "snapshot query", "info": "snapshot info", "verify": "snapshot verify",
        "export": "snapshot export", "diff": "snapshot diff", "status": "runs", "history": "runs", "start": "serve",
        "server": "serve", "daemon": "serve",
    ]

    static func name(_ command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? command._commandName
    }

    /// What to say about the first word that names no subcommand of the command before it, or
    /// nil when every word names one (or the words end, or options or arguments begin).
    static func unknownCommand(in arguments: [String], root: ParsableCommand.Type) -> String? {
        var command = root
        var path = ["mediagw"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            // Options, a leaf command's arguments, and a default subcommand's arguments are the
            // parser's to judge.
            guard !word.hasPrefix("-"), !subcommands.isEmpty, command.configuration.defaultSubcommand == nil,
                word != "help"
            else { return nil }
            if let next = subcommands.first(where: { name($0) == word || $0.configuration.aliases.contains(word) }) {
                command = next
                path.append(word)
                continue
            }
            let names = subcommands.map(name)
            var message = "unknown command '\(path.joined(separator: " ")) \(word)'"
            let synonyms = path.count == 1 ? Self.synonyms : [:]
            if let nearest = Spelling.nearest(to: word, in: names + synonyms.keys.sorted()) {
                message += "; did you mean '\(path.joined(separator: " ")) \(synonyms[nearest] ?? nearest)'?"
            }
            message +=
                " Commands: \(names.sorted().joined(separator: ", ")) (see '\(path.joined(separator: " ")) --help')"
            return message
        }
        return nil
    }
}

/// Options every command shares: where state lives and how to log.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Staging database file.", valueName: "path"))
    var staging: String = Environment.value("MEDIAGW_STAGING") ?? "var/staging.sqlite"

    @Option(help: ArgumentHelp("Directory of published snapshots and the CURRENT pointer.", valueName: "dir"))
    var snapshots: String = Environment.value("MEDIAGW_SNAPSHOTS") ?? "snapshots"

    @Option(help: ArgumentHelp("Log format.", valueName: "format"))
    var logFormat: LogFormat = .text

    @Option(help: ArgumentHelp("Log level.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    /// The staging database for a command that reads what is there: a missing file is an error
    /// naming the path, not a new empty database (a typo in --staging would otherwise print
    /// nothing, or publish an empty snapshot).
    func existingStaging() throws -> StagingStore {
        guard FileManager.default.fileExists(atPath: staging) else {
            throw MediaError(
                .notFound,
                "no staging database at \(staging) (check --staging or MEDIAGW_STAGING; "
                    + "`mediagw run`, `ingest` or `import` creates it)"
            )
        }
        return try StagingStore(path: staging)
    }

    /// Bootstraps logging once and returns the root logger.
    func makeLogger() -> Logger {
        LogSetup.bootstrap(format: logFormat, level: logLevel)
        return Logger(label: "mediagw")
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs `body`, turning a ``MediaError`` into its message on stderr and its documented exit status.
func exitOnError<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as MediaError {
        FileHandleOutput.standardError("mediagw: \(error.message)")
        throw ExitCode(ExitStatus.of(error.code))
    }
}
