import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to reach Redis.
public struct RedisEndpoint: Sendable, Equatable {
    /// Host name or address (the generated platform uses the in-cluster service name).
    public var host: String
    /// TCP port.
    public var port: Int
    /// ACL user name, when Redis uses ACLs.
    public var username: String?
    /// Password for `AUTH`; never logged.
    public var password: String?
    /// TLS, verifying the server's certificate against `RedisTLS.rootCertificate` and
    /// ``host``; nil for plain TCP (loopback development).
    public var tls: RedisTLS?

    /// Creates an endpoint.
    public init(host: String, port: Int, username: String? = nil, password: String? = nil, tls: RedisTLS? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tls = tls
    }
}

/// TLS to Redis (the generated platform's HAProxy terminates it in front of the servers).
public struct RedisTLS: Sendable, Equatable {
    /// PEM file of the CA that issued the server's certificate; nil: the system's roots.
    public var rootCertificate: String?

    public init(rootCertificate: String? = nil) {
        self.rootCertificate = rootCertificate
    }

    /// A client context that checks the chain and the host name.
    func context() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// An error reply or a failure of the connection to Redis.
public enum RedisError: Error, CustomStringConvertible, Equatable {
    /// The server answered with an error reply (`-ERR …`).
    case server(String)
    /// The connection closed before a reply arrived.
    case connectionClosed
    /// The reply did not have the expected shape.
    case unexpectedReply(String)
    /// No reply within the command timeout; the connection was closed (replies are
    /// matched in order, so a connection with a lost reply cannot be used again).
    case timeout

    /// A readable summary.
    public var description: String {
        switch self {
        case .server(let message): return "redis error: \(message)"
        case .connectionClosed: return "redis connection closed"
        case .unexpectedReply(let reply): return "unexpected redis reply: \(reply)"
        case .timeout: return "redis command timed out"
        }
    }
}

/// A single connection to Redis speaking RESP2 over SwiftNIO: the smallest client
/// platform-api needs (commands such as `PUBLISH`/`PING`, and `SUBSCRIBE` pushes).
///
/// Commands are pipelined: several may be in flight, replies are matched in order.
/// After `subscribe(_:)` the connection is in subscriber mode and only delivers pushes.
public final class RedisConnection: Sendable {
    private let channel: any Channel
    /// Pub/sub pushes (`message`, `subscribe` confirmations) in arrival order; finishes when the connection closes.
    public let pushes: AsyncStream<RESPValue>
    /// How long a command waits for its reply.
    public let commandTimeout: TimeAmount

    private init(channel: any Channel, pushes: AsyncStream<RESPValue>, commandTimeout: TimeAmount) {
        self.channel = channel
        self.pushes = pushes
        self.commandTimeout = commandTimeout
    }

    /// False once the connection has closed (a killed client, a restarted server).
    public var isActive: Bool { channel.isActive }

    /// Connects, and authenticates when the endpoint has a password. Every command then
    /// fails after `commandTimeout` instead of waiting on a silent server.
    public static func connect(
        to endpoint: RedisEndpoint,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(1),
        commandTimeout: TimeAmount = .seconds(1)
    ) async throws -> RedisConnection {
        let (pushes, continuation) = AsyncStream<RESPValue>.makeStream(bufferingPolicy: .unbounded)
        let tlsContext = try endpoint.tls?.context()
        let serverName = endpoint.host
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(pushes: continuation))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .get()
        let connection = RedisConnection(channel: channel, pushes: pushes, commandTimeout: commandTimeout)
        if let password = endpoint.password {
            var arguments = ["AUTH"]
            if let username = endpoint.username { arguments.append(username) }
            arguments.append(password)
            do {
                _ = try await connection.send(arguments)
            } catch {
                connection.close()
                // The reply may echo the argument; report only that authentication failed.
                throw RedisError.server("authentication failed")
            }
        }
        return connection
    }

    /// Sends one command and waits for its reply; an error reply throws `RedisError.server`.
    @discardableResult
    public func send(_ arguments: [String]) async throws -> RESPValue {
        let channel = self.channel
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        // A write that fails (the channel closed before or while writing) fails the reply:
        // nobody else would complete it once the handler is gone.
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { _ in promise.fail(RedisError.connectionClosed) }
        let deadline = channel.eventLoop.scheduleTask(in: commandTimeout) {
            promise.fail(RedisError.timeout)
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        channel.writeAndFlush(RedisRequest(arguments: arguments, reply: promise), promise: written)
        let reply = try await promise.futureResult.get()
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// `PUBLISH channel message`; returns how many subscribers received it.
    @discardableResult
    public func publish(_ message: String, to channelName: String) async throws -> Int64 {
        let reply = try await send(["PUBLISH", channelName, message])
        guard case .integer(let receivers) = reply else { throw RedisError.unexpectedReply("\(reply)") }
        return receivers
    }

    /// Enters subscriber mode for `channels` and waits until Redis confirmed each one.
    /// Messages then arrive on `pushes` as `["message", channel, payload]` arrays.
    public func subscribe(_ channels: [String]) async throws -> AsyncStream<RESPValue>.AsyncIterator {
        channel.writeAndFlush(RedisRequest(arguments: ["SUBSCRIBE"] + channels, reply: nil), promise: nil)
        var iterator = pushes.makeAsyncIterator()
        var confirmed = Set<String>()
        while confirmed.count < Set(channels).count {
            guard let push = await iterator.next() else { throw RedisError.connectionClosed }
            if case .error(let message) = push { throw RedisError.server(message) }
            guard case .array(let items?) = push, items.count == 3, let kind = items[0].string else {
                throw RedisError.unexpectedReply("\(push)")
            }
            // A message on an already confirmed channel may arrive in this window; callers
            // resynchronise after subscribing, so dropping it loses nothing.
            if kind == "subscribe", let name = items[1].string {
                confirmed.insert(name)
            }
        }
        return iterator
    }

    /// Closes the connection; pending commands fail with `RedisError.connectionClosed`.
    public func close() {
        channel.close(promise: nil)
    }

    /// Completes when the connection has closed, for whatever reason.
    public func closed() async {
        try? await channel.closeFuture.get()
    }
}

/// One command on its way out, with the promise its reply completes (nil in subscriber mode).
struct RedisRequest: Sendable {
    var arguments: [String]
    var reply: EventLoopPromise<RESPValue>?
}

/// Encodes requests, decodes replies and matches them to waiting promises in order.
/// Lives on the channel's event loop; its state is never touched from elsewhere.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var inbound: ByteBuffer?
    private var subscriberMode = false
    private let pushes: AsyncStream<RESPValue>.Continuation

    init(pushes: AsyncStream<RESPValue>.Continuation) {
        self.pushes = pushes
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard context.channel.isActive else {
            request.reply?.fail(RedisError.connectionClosed)
            promise?.fail(RedisError.connectionClosed)
            return
        }
        if let reply = request.reply {
            pending.append(reply)
        } else {
            subscriberMode = true
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPValue.encodeCommand(request.arguments, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var buffered = inbound {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        do {
            while let value = try RESPValue.parse(from: &bytes) {
                deliver(value)
            }
            inbound = bytes.readableBytes > 0 ? bytes : nil
            if bytes.readerIndex > 4096 { inbound?.discardReadBytes() }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    private func deliver(_ value: RESPValue) {
        if subscriberMode || pending.isEmpty {
            pushes.yield(value)
        } else {
            pending.removeFirst().succeed(value)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        pushes.finish()
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while let promise = pending.popFirst() {
            promise.fail(error)
        }
    }
}
