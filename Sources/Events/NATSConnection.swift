import Foundation
import Logging
import MediaModel
import NIOCore
import NIOPosix

/// Where a NATS server is: `nats://host:port` (port 4222 when left out). Credentials never go in
/// the address; they come from an environment variable (``NATSCredentials``).
public struct NATSAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw MediaError(.configuration, "'\(text)' is not a NATS address such as nats://127.0.0.1:4222")
        }
        guard scheme == "nats" else {
            throw MediaError(
                .configuration,
                scheme == "tls"
                    ? "nats address \(text): TLS is not supported; use nats:// on a trusted network or a local leaf node"
                    : "'\(text)' is not a NATS address: expected nats://HOST[:PORT]"
            )
        }
        guard components.user == nil, components.password == nil else {
            throw MediaError(
                .configuration,
                "the NATS address must not hold credentials; name an environment variable in credentials_env"
            )
        }
        guard let host = components.host, !host.isEmpty else {
            throw MediaError(.configuration, "the NATS address '\(text)' has no host")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw MediaError(.configuration, "the NATS address '\(text)' must be nats://HOST[:PORT], nothing after")
        }
        self.host = host
        port = components.port ?? 4222
    }

    public var description: String { "nats://\(host):\(port)" }
}

/// How to authenticate: a token, or a user and password (`user:password` in the variable).
public enum NATSCredentials: Sendable {
    case token(String)
    case user(String, password: String)

    /// Read from the text of a credentials variable.
    public init(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let colon = trimmed.firstIndex(of: ":") {
            self = .user(String(trimmed[..<colon]), password: String(trimmed[trimmed.index(after: colon)...]))
        } else {
            self = .token(trimmed)
        }
    }
}

/// A message from the server on a subscription: the reply to a request.
public struct NATSMessage: Sendable {
    public var subject: String
    /// The status line of a header block (`503` for "no responders"), if any.
    public var status: Int?
    public var headers: [String: String]
    public var payload: Data
}

/// One connection to a NATS server speaking the client text protocol: CONNECT with headers and
/// no-responders on, PING/PONG both ways, one wildcard inbox subscription, and requests
/// (`HPUB` with a reply subject) answered through it. That is what JetStream publishing needs
/// (decision 0017); nothing else of the protocol is implemented.
public final class NATSConnection: Sendable {
    private let channel: any Channel
    private let handler: NATSProtocolHandler
    public let address: NATSAddress

    private init(channel: any Channel, handler: NATSProtocolHandler, address: NATSAddress) {
        self.channel = channel
        self.handler = handler
        self.address = address
    }

    /// Connects and completes the handshake; a refused connection, a server that is not NATS,
    /// or refused credentials are errors naming the address.
    public static func connect(
        to address: NATSAddress,
        credentials: NATSCredentials?,
        name: String = "mediagw",
        timeout: TimeAmount = .seconds(5)
    ) async throws -> NATSConnection {
        let inbox = "_INBOX." + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let handler = NATSProtocolHandler(inbox: inbox)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: address.host, port: address.port)
                .get()
        } catch {
            throw MediaError(.io, "cannot connect to the NATS server at \(address): \(error)")
        }
        let connection = NATSConnection(channel: channel, handler: handler, address: address)
        do {
            let info = try await handler.waitForInfo(on: channel.eventLoop, timeout: timeout).get()
            var options: [String: Any] = [
                "verbose": false, "pedantic": false, "headers": true, "no_responders": true, "name": name,
                "lang": "swift", "version": MediagwVersion.current, "protocol": 1,
            ]
            switch credentials {
            case .token(let token): options["auth_token"] = token
            case .user(let user, let password):
                options["user"] = user
                options["pass"] = password
            case nil: break
            }
            guard info.headers else {
                throw MediaError(
                    .refused,
                    "the NATS server at \(address) does not support headers (it is older than 2.2)"
                )
            }
            if info.authRequired, credentials == nil {
                throw MediaError(.refused, "the NATS server at \(address) requires credentials (credentials_env)")
            }
            let connect = try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys])
            var line = "CONNECT " + String(decoding: connect, as: UTF8.self) + "\r\nPING\r\n"
            line += "SUB \(inbox).* 1\r\n"
            try await handler.handshake(line, on: channel, timeout: timeout).get()
        } catch {
            try? await channel.close()
            if let error = error as? MediaError { throw error }
            throw MediaError(.io, "the NATS server at \(address) did not complete the handshake: \(error)")
        }
        return connection
    }

    /// Sends `payload` to `subject` with `headers` and waits for the one reply (a JetStream
    /// acknowledgement); fails when the connection closes or `timeout` passes first.
    public func request(
        _ subject: String,
        headers: [(String, String)] = [],
        payload: Data,
        timeout: TimeAmount = .seconds(5)
    ) -> EventLoopFuture<NATSMessage> {
        handler.request(subject, headers: headers, payload: payload, on: channel, timeout: timeout)
    }

    /// Drains what was written (a final PING answered) and closes.
    public func close() async {
        try? await handler.handshake("PING\r\n", on: channel, timeout: .seconds(2)).get()
        try? await channel.close()
    }

    /// Closes at once, as a crash would.
    public func abort() async {
        try? await channel.close()
    }
}

/// What the server's `INFO` says that matters here.
struct NATSServerInfo: Sendable {
    var authRequired: Bool
    var headers: Bool

    init(json: Data) {
        let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:]
        authRequired = object["auth_required"] as? Bool ?? false
        headers = object["headers"] as? Bool ?? false
    }
}

/// The server's frames: control lines, and `MSG`/`HMSG` with their payloads.
enum NATSFrame {
    case info(NATSServerInfo)
    case message(NATSMessage)
    case ping, pong, ok
    case error(String)
}

/// Cuts the byte stream into ``NATSFrame``s.
struct NATSFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = NATSFrame
    /// Longer control lines than this are a protocol error (the server's INFO is about 500 bytes).
    static let maximumLine = 64 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLine { throw NATSProtocolError("a control line is too long") }
            return .needMoreData
        }
        let lineLength = end - buffer.readerIndex + 1
        let line = buffer.getString(at: buffer.readerIndex, length: lineLength)!
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        let verb = words.first.map { $0.uppercased() } ?? ""
        switch verb {
        case "MSG", "HMSG":
            // MSG subject sid [reply] bytes; HMSG subject sid [reply] header-bytes total-bytes
            let headered = verb == "HMSG"
            guard words.count >= (headered ? 5 : 4), let total = Int(words.last!) else {
                throw NATSProtocolError("malformed \(verb) line '\(line.prefix(200))'")
            }
            let headerLength = headered ? Int(words[words.count - 2]) ?? -1 : 0
            guard total >= 0, headerLength >= 0, headerLength <= total else {
                throw NATSProtocolError("malformed \(verb) sizes in '\(line.prefix(200))'")
            }
            guard buffer.readableBytes >= lineLength + total + 2 else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: lineLength)
            let headerText = buffer.readString(length: headerLength) ?? ""
            let payload = Data(buffer.readBytes(length: total - headerLength) ?? [])
            buffer.moveReaderIndex(forwardBy: 2)  // CRLF
            var status: Int?
            var headers: [String: String] = [:]
            if headered {
                let headerLines = headerText.components(separatedBy: "\r\n")
                let statusWords = headerLines.first?.split(separator: " ") ?? []
                if statusWords.count >= 2 { status = Int(statusWords[1]) }
                for headerLine in headerLines.dropFirst() {
                    guard let colon = headerLine.firstIndex(of: ":") else { continue }
                    headers[String(headerLine[..<colon])] = headerLine[headerLine.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces)
                }
            }
            context.fireChannelRead(
                wrapInboundOut(
                    .message(NATSMessage(subject: String(words[1]), status: status, headers: headers, payload: payload))
                )
            )
        case "INFO":
            buffer.moveReaderIndex(forwardBy: lineLength)
            let json = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
            context.fireChannelRead(wrapInboundOut(.info(NATSServerInfo(json: Data(json.utf8)))))
        case "PING":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.ping))
        case "PONG":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.pong))
        case "+OK":
            buffer.moveReaderIndex(forwardBy: lineLength)
            context.fireChannelRead(wrapInboundOut(.ok))
        case "-ERR":
            buffer.moveReaderIndex(forwardBy: lineLength)
            let text = line.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: " '"))
            context.fireChannelRead(wrapInboundOut(.error(text)))
        default:
            throw NATSProtocolError("unexpected line from the server: '\(line.prefix(200))'")
        }
        return .continue
    }
}

struct NATSProtocolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The connection's state, confined to its event loop: the pending requests by reply subject,
/// the handshake's and the PINGs' promises.
final class NATSProtocolHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = NATSFrame

    let inbox: String
    private var info: NATSServerInfo?
    private var infoPromise: EventLoopPromise<NATSServerInfo>?
    private var pongs: [EventLoopPromise<Void>] = []
    private var pending: [String: EventLoopPromise<NATSMessage>] = [:]
    private var nextRequest = 0
    private var failure: (any Error)?

    init(inbox: String) { self.inbox = inbox }

    func waitForInfo(on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<NATSServerInfo> {
        loop.flatSubmit {
            if let info = self.info { return loop.makeSucceededFuture(info) }
            if let failure = self.failure { return loop.makeFailedFuture(failure) }
            let promise = loop.makePromise(of: NATSServerInfo.self)
            self.infoPromise = promise
            loop.scheduleTask(in: timeout) {
                promise.fail(
                    NATSProtocolError("no INFO within \(timeout.nanoseconds / 1_000_000) ms: not a NATS server?")
                )
            }
            return promise.futureResult
        }
    }

    /// Writes `text` (ending in a PING) and waits for the PONG, or the error the server sends.
    func handshake(_ text: String, on channel: any Channel, timeout: TimeAmount) -> EventLoopFuture<Void> {
        let loop = channel.eventLoop
        return loop.flatSubmit {
            if let failure = self.failure { return loop.makeFailedFuture(failure) }
            let promise = loop.makePromise(of: Void.self)
            self.pongs.append(promise)
            loop.scheduleTask(in: timeout) { promise.fail(NATSProtocolError("no PONG within the timeout")) }
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
            return promise.futureResult
        }
    }

    func request(
        _ subject: String,
        headers: [(String, String)],
        payload: Data,
        on channel: any Channel,
        timeout: TimeAmount
    ) -> EventLoopFuture<NATSMessage> {
        let loop = channel.eventLoop
        return loop.flatSubmit {
            if let failure = self.failure { return loop.makeFailedFuture(failure) }
            self.nextRequest += 1
            let reply = "\(self.inbox).\(self.nextRequest)"
            let promise = loop.makePromise(of: NATSMessage.self)
            self.pending[reply] = promise
            loop.scheduleTask(in: timeout) {
                if let waiting = self.pending.removeValue(forKey: reply) {
                    waiting.fail(NATSProtocolError("no reply to \(subject) within the timeout"))
                }
            }
            var headerBlock = "NATS/1.0\r\n"
            for (name, value) in headers { headerBlock += "\(name): \(value)\r\n" }
            headerBlock += "\r\n"
            let headerBytes = headerBlock.utf8.count
            var buffer = channel.allocator.buffer(capacity: 128 + headerBytes + payload.count)
            buffer.writeString("HPUB \(subject) \(reply) \(headerBytes) \(headerBytes + payload.count)\r\n")
            buffer.writeString(headerBlock)
            buffer.writeBytes(payload)
            buffer.writeString("\r\n")
            channel.writeAndFlush(buffer, promise: nil)
            return promise.futureResult
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .info(let info):
            self.info = info
            infoPromise?.succeed(info)
            infoPromise = nil
        case .ping:
            context.writeAndFlush(wrapOutbound(ByteBuffer(string: "PONG\r\n")), promise: nil)
        case .pong:
            if !pongs.isEmpty { pongs.removeFirst().succeed(()) }
        case .ok:
            break
        case .message(let message):
            pending.removeValue(forKey: message.subject)?.succeed(message)
        case .error(let text):
            let lowered = text.lowercased()
            let error: any Error =
                lowered.contains("authorization") || lowered.contains("authentication")
                ? MediaError(.refused, "the NATS server refused the credentials: \(text)")
                : NATSProtocolError("the NATS server said: \(text)")
            fail(error)
            context.close(promise: nil)
        }
    }

    private func wrapOutbound(_ buffer: ByteBuffer) -> NIOAny { NIOAny(buffer) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(NATSProtocolError("the NATS server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        infoPromise?.fail(error)
        infoPromise = nil
        for promise in pongs { promise.fail(error) }
        pongs.removeAll()
        for promise in pending.values { promise.fail(error) }
        pending.removeAll()
    }
}
