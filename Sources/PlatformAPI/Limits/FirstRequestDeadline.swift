import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection that has not sent a whole first request head within `timeout`.
///
/// Hummingbird's idle timeout (`HTTP1Channel.Configuration.idleTimeout`) is installed on
/// a connection that supports the WebSocket upgrade only once its first request has been
/// read, so a client could otherwise hold a connection by sending nothing, or one header
/// byte at a time. This wraps the server's child channel and puts a deadline in front of
/// the HTTP decoder; the first request head (a blank line) or the first response lifts it.
struct FirstRequestDeadlineChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let timeout = self.timeout
        return channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(FirstRequestDeadlineHandler(timeout: timeout), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// The deadline itself: scheduled when the connection is active, cancelled by the end of
/// the first request head (`\n\r\n` or `\n\n` in the bytes read) or by any write.
final class FirstRequestDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var lifted = false
    /// The last bytes read, to find the blank line across reads.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        lift()
    }

    func channelInactive(context: ChannelHandlerContext) {
        lift()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !lifted {
            let buffer = unwrapInboundIn(data)
            let bytes = tail + buffer.readableBytesView
            if Self.containsBlankLine(bytes) {
                lift()
            } else {
                tail = Array(bytes.suffix(2))
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lift()
        context.write(data, promise: promise)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        guard deadline == nil, !lifted else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    private func lift() {
        lifted = true
        tail = []
        deadline?.cancel()
        deadline = nil
    }

    /// Whether `bytes` hold the end of a request head: LF CR LF, or LF LF.
    static func containsBlankLine(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        for index in 1..<bytes.count where bytes[index] == 0x0A {
            if bytes[index - 1] == 0x0A { return true }
            if index >= 2, bytes[index - 1] == 0x0D, bytes[index - 2] == 0x0A { return true }
        }
        return false
    }
}
