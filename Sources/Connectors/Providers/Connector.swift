import Foundation
import HTTPClient
import Logging
import MediaModel

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
            throw MediaError(
                .usage,
                "only Streaming Availability refreshes single titles (/shows/{id}); \(configuration.provider) does not"
            )
        }
        let client = try client(
            for: configuration,
            transport: transport,
            ledger: ledger,
            logger: logger,
            environment: environment,
            verdict: StreamingAvailabilityConnector.verdict
        )
        return try StreamingAvailabilityConnector(configuration: configuration, client: client).refreshStream(ids: ids)
    }

    /// The client a connector talks through, keys read from `environment`.
    private static func client(
        for configuration: ConnectorConfiguration,
        transport: any HTTPTransport,
        ledger: any QuotaLedger,
        logger: Logger,
        environment: [String: String],
        now: @escaping @Sendable () -> Date = { Date() },
        verdict: @escaping @Sendable (HTTPResponse) -> Verdict = ProviderClient.standardVerdict
    ) throws -> ProviderClient {
        ProviderClient(
            settings: try configuration.clientSettings(environment: environment),
            transport: transport,
            ledger: ledger,
            logger: logger,
            now: now,
            classify: verdict
        )
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
        func client(_ verdict: @escaping @Sendable (HTTPResponse) -> Verdict = ProviderClient.standardVerdict)
            throws -> ProviderClient
        {
            try Connector.client(
                for: configuration,
                transport: transport,
                ledger: ledger,
                logger: logger,
                environment: environment,
                now: now,
                verdict: verdict
            )
        }
        switch configuration.provider {
        case StreamingAvailabilityConnector.provider:
            return try StreamingAvailabilityConnector(
                configuration: configuration,
                client: try client(StreamingAvailabilityConnector.verdict),
                now: now
            ).streams
        case WatchmodeConnector.provider:
            return try WatchmodeConnector(configuration: configuration, client: try client(), now: now).streams
        case JustWatchConnector.provider:
            return try JustWatchConnector(
                configuration: configuration,
                client: try client(JustWatchConnector.verdict),
                now: now
            )
            .streams
        case YouTubeConnector.provider:
            return try YouTubeConnector(configuration: configuration, client: try client(YouTubeConnector.verdict))
                .streams
        default:
            throw ConnectorError.failed(provider: configuration.provider, message: "no connector")
        }
    }
}
