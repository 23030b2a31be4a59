import Foundation
import HTTPClient

/// What every connector holds: the client its calls go through, the configured mapping, the clock.
struct ConnectorContext: Sendable {
    let client: ProviderClient
    let mapping: Mapping
    let now: @Sendable () -> Date
}

/// A provider's connector, as its streams see it.
protocol ProviderConnector: Sendable {
    static var provider: String { get }
    /// The streams its configuration may name.
    static var streamNames: [String] { get }
    var context: ConnectorContext { get }
    /// Reads the streams' options from `configuration`, whose stream names are checked already.
    init(context: ConnectorContext, configuration: ConnectorConfiguration) throws
}

extension ProviderConnector {
    init(
        configuration: ConnectorConfiguration,
        client: ProviderClient,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        try configuration.checkStreamNames(Self.streamNames)
        let context = ConnectorContext(client: client, mapping: configuration.mapping, now: now)
        try self.init(context: context, configuration: configuration)
    }

    var client: ProviderClient { context.client }
    var mapping: Mapping { context.mapping }
    var now: @Sendable () -> Date { context.now }
}

/// A stream of one provider: fetches through its connector and resumes from a saved `State`.
protocol ProviderStream: IngestStream {
    associatedtype Connector: ProviderConnector
    associatedtype State: Codable
    var connector: Connector { get }
}

extension ProviderStream {
    var source: String { Connector.provider }
    var isFullListing: Bool { false }
    var supportsWindows: Bool { cursorKind == .window }

    /// The position saved after the last committed page; nil before the first.
    func savedState(_ cursor: String?) throws -> State? {
        try CursorCoding.decode(State.self, from: cursor, stream: name)
    }

    /// A page holding `response` as its payload, going on from `next`.
    func page(_ response: HTTPResponse, at location: String, next: State, isLast: Bool) -> PageBuilder {
        PageBuilder(
            payloads: [RawPayload(body: response.body, location: location)],
            cursor: CursorCoding.encode(next),
            isLast: isLast
        )
    }
}

/// A stream position with a starting point.
protocol StartingState: Codable {
    /// Where a stream with no saved cursor starts.
    init()
}

/// A position in a pass that starts over once it is done.
protocol PassState: StartingState {
    var done: Bool? { get }
}

extension ProviderStream where State: StartingState {
    /// The position saved after the last committed page, or the start before the first.
    func state(after cursor: String?) throws -> State {
        try savedState(cursor) ?? State()
    }
}

extension ProviderStream where State: PassState {
    /// The saved position, or the start of a new pass after a finished one, at the first run, or
    /// where `outgrown` says the position no longer fits the configuration (a country removed).
    func resumedState(_ cursor: String?, outgrown: (State) -> Bool = { _ in false }) throws -> State {
        guard let state = try savedState(cursor), state.done != true, !outgrown(state) else { return State() }
        return state
    }
}

extension JSONValue {
    /// The array at `key` of a page's body; a page without it is unreadable, named by its call.
    func requiredArray(_ key: String, at location: String) throws -> [JSONValue] {
        guard let items = self[key]?.array else {
            throw ConnectorError.unreadablePage(location: location, reason: "no '\(key)' array")
        }
        return items
    }
}
