import Foundation
import Jobs
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
