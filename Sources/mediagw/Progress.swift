import Foundation
import MediaModel

#if canImport(Glibc)
    import Glibc
#endif

/// Where progress goes: standard error, never standard output (data for some commands). On a
/// terminal one line redrawn in place at most five times a second; elsewhere (a log file, CI,
/// cron) one plain line every ten seconds, the first after ten, so short steps print nothing.
/// Not locked: its owner calls it under its own lock.
struct ProgressOutput {
    enum Style {
        case bar, lines, off
    }

    let style: Style
    private var drawn: Date
    /// Seconds between plain lines off a terminal.
    static let lineInterval = 10.0

    /// `enabled` false (`--no-progress`, `--json`) writes nothing.
    init(enabled: Bool) {
        style = enabled ? (isatty(STDERR_FILENO) == 1 ? .bar : .lines) : .off
        drawn = style == .lines ? Date() : .distantPast
    }

    /// Writes `line` when it is time; `urgent` (a new step) redraws a terminal's line at once.
    mutating func draw(urgent: Bool = false, _ line: () -> String) {
        let now = Date()
        switch style {
        case .bar:
            guard urgent || now.timeIntervalSince(drawn) > 0.2 else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line())".utf8))
        case .lines:
            guard now.timeIntervalSince(drawn) >= Self.lineInterval else { return }
            FileHandle.standardError.write(Data("mediagw: progress: \(line())\n".utf8))
        case .off:
            return
        }
        drawn = now
    }

    /// Clears a terminal's line, so that what is printed next starts on a clean line.
    func clear() {
        if style == .bar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// The progress of one command's steps (`build`, `import`): the step, a bar with the rate and
/// an ETA when the step knows its total, and the time so far.
final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private let started = Date()
    private var stepStarted = Date()
    private var current: StepProgress?
    private var output: ProgressOutput
    private var finished = false

    /// `enabled` false (`--no-progress`, `--json`) reports nothing.
    init(label: String, enabled: Bool = true) {
        self.label = label
        output = ProgressOutput(enabled: enabled)
    }

    func report(_ progress: StepProgress) {
        guard output.style != .off else { return }
        lock.withLock {
            guard !finished else { return }
            let newStep = current?.step != progress.step
            if newStep { stepStarted = Date() }
            current = progress
            // The line is made from a copy of the style: `draw` holds `output` while it runs.
            let bar = output.style == .bar
            output.draw(urgent: newStep) { line(Date(), bar: bar) }
        }
    }

    private func line(_ now: Date, bar: Bool) -> String {
        guard let current else { return label }
        return "\(label) · "
            + ProgressFormat.describe(
                current,
                stepSeconds: now.timeIntervalSince(stepStarted),
                bar: bar
            )
            + String(format: " · %.0f s", now.timeIntervalSince(started))
    }

    /// Clears the bar, so that what is printed next starts on a clean line.
    func finish() {
        lock.withLock {
            guard !finished, current != nil else { return }
            finished = true
            output.clear()
        }
    }
}

/// The text of progress lines.
enum ProgressFormat {
    /// `embed [########------------] 41% 1230/3000 titles · 96/s · ETA 0m18s`, or the step's
    /// name and detail when it cannot tell how far it is.
    static func describe(_ progress: StepProgress, stepSeconds: Double, bar: Bool) -> String {
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

    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    /// Bytes as MB; other units as counts.
    static func amount(_ value: Int, _ unit: String) -> String {
        unit == "bytes" ? String(format: "%.1f MB", Double(value) / 1_000_000) : "\(value)"
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600
            ? String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
            : String(format: "%dm%02ds", whole / 60, whole % 60)
    }
}
