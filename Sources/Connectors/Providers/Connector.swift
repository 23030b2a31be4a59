import Foundation
import Logging

/// Builds a provider's streams from its configuration file.
public enum Connector {
    /// The streams each provider's connector knows, by provider.
    public static let streamNames: [String: [String]] = [
        StreamingAvailabilityConnector.provider: StreamingAvailabilityConnector.streamNames,
        WatchmodeConnector.provider: WatchmodeConnector.streamNames,
        JustWatchConnector.provider: JustWatchConnector.streamNames,
        YouTubeConnector.provider: YouTubeConnector.streamNames,
    ]

    /// Streaming Availability's `/shows/{id}` for `ids`, one page a show: refreshes single
    /// titles (`82`, `tt0068646`, `movie/238`, `tv/1396`) in every country, outside the catalog.
    public static func refreshStream(
        ids: [String],
        for configuration: ConnectorConfiguration,
        transport: any HTTPTransport = URLSessionTransport(),
        ledger: any QuotaLedger,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any IngestStream {
        guard configuration.provider == StreamingAvailabilityConnector.provider else {
            throw ConnectorError.failed(
                provider: configuration.provider,
                message: "only streaming-availability refreshes single titles (/shows/{id})"
            )
        }
        let client = ProviderClient(
            settings: try configuration.clientSettings(environment: environment),
            transport: transport,
            ledger: ledger,
            logger: logger,
            classify: StreamingAvailabilityConnector.verdict
        )
        return try StreamingAvailabilityConnector(configuration: configuration, client: client).refreshStream(ids: ids)
    }

    /// The streams `configuration` enables, with a client that reads keys from `environment`.
    public static func streams(
        for configuration: ConnectorConfiguration,
        transport: any HTTPTransport = URLSessionTransport(),
        ledger: any QuotaLedger,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> [any IngestStream] {
        let settings = try configuration.clientSettings(environment: environment)
        func client(_ verdict: @escaping @Sendable (HTTPResponse) -> Verdict = ProviderClient.standardVerdict)
            -> ProviderClient
        {
            ProviderClient(
                settings: settings,
                transport: transport,
                ledger: ledger,
                logger: logger,
                now: now,
                classify: verdict
            )
        }
        switch configuration.provider {
        case StreamingAvailabilityConnector.provider:
            return try StreamingAvailabilityConnector(
                configuration: configuration,
                client: client(StreamingAvailabilityConnector.verdict),
                now: now
            ).streams
        case WatchmodeConnector.provider:
            return try WatchmodeConnector(configuration: configuration, client: client(), now: now).streams
        case JustWatchConnector.provider:
            return try JustWatchConnector(
                configuration: configuration,
                client: client(JustWatchConnector.verdict),
                now: now
            )
            .streams
        case YouTubeConnector.provider:
            return try YouTubeConnector(configuration: configuration, client: client(YouTubeConnector.verdict)).streams
        default:
            throw ConnectorError.failed(provider: configuration.provider, message: "no connector")
        }
    }
}
