import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection to a live instance, for what an HTTP client library hides: bytes
/// sent slowly, a connection left idle, a WebSocket upgrade whose status line matters.
final class RawConnection: Sendable {
    private struct State {
        var received: [UInt8] = []
        var closed = false
    }

    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let state = Mutex(State())
    private let pump = Mutex<Task<Void, Never>?>(nil)

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
    }

    /// Connects to `127.0.0.1:port`; everything the server sends is collected.
    static func connect(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let connection = RawConnection(channel: channel)
        let task = Task {
            do {
                for try await buffer in channel.inbound {
                    connection.state.withLock { $0.received += buffer.readableBytesView }
                }
            } catch {}
            connection.state.withLock { $0.closed = true }
        }
        connection.pump.withLock { $0 = task }
        return connection
    }

    /// Sends `text` as is.
    func send(_ text: String) async throws {
        try await channel.channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything received so far once it contains `text`; nil when the connection closed
    /// first or `timeout` passed.
    func read(until text: String, timeout: Duration = .seconds(5)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (bytes, closed) = state.withLock { ($0.received, $0.closed) }
            let received = String(decoding: bytes, as: UTF8.self)
            if received.contains(text) { return received }
            if closed { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Every byte received so far.
    var receivedBytes: [UInt8] { state.withLock { $0.received } }

    /// How long until the server closes the connection, or nil when it is still open after
    /// `timeout`.
    func closed(within timeout: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if state.withLock({ $0.closed }) { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Closes the connection from this side.
    func close() async {
        try? await channel.channel.close()
        if let task = pump.withLock({ $0 }) { _ = await task.value }
    }
}
