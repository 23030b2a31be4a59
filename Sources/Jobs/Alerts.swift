import Connectors
import Foundation
import HTTPClient
import Logging

/// Posts a run's summary to a webhook: JSON, or a Slack-compatible `{"text": …}` message.
///
/// The URL is a secret (Slack's carry a token): it is never logged, and nothing the payload says
/// can contain a key, since every text passes the run's redactor first.
public struct WebhookNotifier: Sendable {
    public var transport: any HTTPTransport
    public var logger: Logger

    public init(transport: any HTTPTransport = URLSessionTransport(), logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// Sends `summary` for `job` when its alert settings ask for this outcome. Failures are
    /// logged, never thrown: an alert must not change how a run ended.
    public func notify(_ summary: JobRunSummary, alerts: JobConfiguration.Alerts, redactor: Redactor) async {
        guard alerts.on.contains(summary.outcome) else { return }
        let url: URL
        do {
            let text = try alerts.webhook.load().value
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? "") else {
                logger.error("alert for job \(summary.job) not sent: \(alerts.webhook) does not hold an http(s) URL")
                return
            }
            url = parsed
        } catch {
            logger.error("alert for job \(summary.job) not sent: \(error)")
            return
        }
        let body: Data
        do {
            body = try Self.payload(summary, format: alerts.format, redactor: redactor)
        } catch {
            logger.error("alert for job \(summary.job) not sent: \(error)")
            return
        }
        let request = HTTPRequest(
            method: "POST",
            url: url,
            headers: ["Content-Type": "application/json"],
            body: body,
            timeout: 10
        )
        let backoff = Backoff(maxAttempts: 3, baseDelay: .milliseconds(500), maxDelay: .seconds(5))
        var random = SystemRandomNumberGenerator()
        for attempt in 1...backoff.maxAttempts {
            do {
                let response = try await transport.send(request)
                if (200..<300).contains(response.status) { return }
                logger.warning("alert for job \(summary.job): the webhook answered HTTP \(response.status)")
                if response.status < 500 && response.status != 429 { return }
            } catch {
                logger.warning("alert for job \(summary.job): the webhook could not be reached")
            }
            if attempt < backoff.maxAttempts {
                try? await Task.sleep(for: backoff.jitteredDelay(afterAttempt: attempt, using: &random))
            }
        }
    }

    /// The request body for `format`.
    public static func payload(_ summary: JobRunSummary, format: JobConfiguration.Alerts.Format, redactor: Redactor)
        throws -> Data
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: Data
        switch format {
        case .json:
            json = try encoder.encode(summary)
        case .slack:
            var lines = [
                "mediagw job *\(summary.job)* run \(summary.runID): *\(summary.outcome)* "
                    + "(read \(summary.counts.read), new \(summary.counts.new), changed \(summary.counts.changed), "
                    + "quarantined \(summary.counts.quarantined))"
            ]
            for stream in summary.streams where stream.outcome != .completed {
                lines.append("• \(stream.stream): \(stream.outcome)" + (stream.message.map { " — \($0)" } ?? ""))
            }
            if let message = summary.stageError { lines.append("• \(message)") }
            if let snapshot = summary.snapshot { lines.append("snapshot: \(snapshot)") }
            json = try encoder.encode(["text": lines.joined(separator: "\n")])
        }
        return Data(redactor(String(decoding: json, as: UTF8.self)).utf8)
    }
}
