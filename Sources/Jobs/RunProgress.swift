import Foundation
import MediaModel

/// What a run's progress line says: the streams' pages and records, how far those that can tell
/// are, and the stage after the ingest with its step. `mediagw run` draws it on standard error.
public struct RunProgress: Sendable {
    public let started: Date
    private var streams: [String: (pages: Int, read: Int, fraction: Double?)] = [:]
    private var stage: String?
    private var build: (progress: StepProgress, started: Date)?

    public init(started: Date = Date()) {
        self.started = started
    }

    /// Takes in one event of the run; true when the line should be redrawn at once (a new
    /// stage or a new build step) rather than at the next tick.
    public mutating func apply(_ event: JobRunner.Event, at now: Date = Date()) -> Bool {
        switch event {
        case .page(let job, let progress):
            streams["\(job) \(progress.stream)"] = (progress.pages, progress.counts.read, progress.fraction)
            return false
        case .stage(let name):
            stage = name
            return true
        case .build(let progress):
            guard build?.progress.step != progress.step else {
                build?.progress = progress
                return false
            }
            build = (progress, now)
            return true
        }
    }

    /// The line at `now`; `bar` draws bars (a terminal) instead of only percentages.
    public func line(_ now: Date, bar: Bool) -> String {
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let pages = streams.values.map(\.pages).reduce(0, +)
        let read = streams.values.map(\.read).reduce(0, +)
        var line = ""
        let fractions = streams.values.compactMap(\.fraction)
        // The bar covers the streams that can tell how far they are, and says how many.
        if stage == nil, !fractions.isEmpty {
            let done = fractions.reduce(0, +) / Double(fractions.count)
            if bar { line += ProgressFormat.bar(done) + " " }
            line += "\(Int(done * 100))%"
            if fractions.count < streams.count { line += " of \(fractions.count)/\(streams.count) streams" }
            if done > 0.01 && done < 1 { line += ", ETA \(ProgressFormat.clock(elapsed * (1 - done) / done))" }
            line += " · "
        }
        line += "ingest: \(streams.count) streams, \(pages) pages, \(read) records (\(Int(Double(read) / elapsed))/s)"
        if let build {
            line +=
                " · build: "
                + ProgressFormat.describe(
                    build.progress,
                    stepSeconds: now.timeIntervalSince(build.started),
                    bar: bar
                )
        } else if let stage {
            line += " · \(stage)…"
        }
        line += String(format: " · %.0f s", elapsed)
        return line
    }
}

/// The text of progress lines (`run`, `build`, `import`).
public enum ProgressFormat {
    /// `embed [########------------] 41% 1230/3000 titles · 96/s · ETA 0m18s`, or the step's
    /// name and detail when it cannot tell how far it is.
    public static func describe(_ progress: StepProgress, stepSeconds: Double, bar: Bool) -> String {
        var text = progress.step
        if let fraction = progress.fraction, let total = progress.total {
            if bar { text += " " + Self.bar(fraction) }
            text += " \(Int(fraction * 100))% \(amount(progress.done, progress.unit))/\(amount(total, progress.unit))"
            if !progress.unit.isEmpty && progress.unit != "bytes" { text += " \(progress.unit)" }
            if stepSeconds > 1, progress.done > 0 {
                let rate = Double(progress.done) / stepSeconds
                text += " · \(amount(Int(rate), progress.unit))\(progress.unit == "bytes" ? "" : " \(progress.unit)")/s"
                if fraction < 1 { text += " · ETA \(clock(Double(total - progress.done) / rate))" }
            }
        } else {
            text += "…"
        }
        if let detail = progress.detail { text += " · \(detail)" }
        return text
    }

    public static func bar(_ fraction: Double, width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    /// Bytes as MB; other units as counts.
    public static func amount(_ value: Int, _ unit: String) -> String {
        unit == "bytes" ? String(format: "%.1f MB", Double(value) / 1_000_000) : "\(value)"
    }

    public static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600
            ? String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
            : String(format: "%dm%02ds", whole / 60, whole % 60)
    }
}
