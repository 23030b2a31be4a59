/// How far a long step has got: what progress bars draw and periodic log lines say.
public struct StepProgress: Sendable, Equatable {
    /// The step: `load`, `resolve`, `embed`, `write`, `publish`, `import`.
    public var step: String
    public var done: Int
    /// Nil when the step cannot tell how much there is (shown as elapsed time only).
    public var total: Int?
    /// What `done` counts: `titles`, `records`, `bytes`.
    public var unit: String
    /// A short note after the counts (`12000 lines`).
    public var detail: String?

    public init(step: String, done: Int = 0, total: Int? = nil, unit: String = "", detail: String? = nil) {
        self.step = step
        self.done = done
        self.total = total
        self.unit = unit
        self.detail = detail
    }

    /// Done as a share of the total, when the total is known.
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, Double(done) / Double(total))
    }
}

/// Receives progress; called from whatever task does the work.
public typealias ProgressHandler = @Sendable (StepProgress) -> Void
