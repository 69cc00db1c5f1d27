import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// A WebSocket client watching a project's live updates, collecting every text message.
final class LiveWatcher: Sendable {
    private struct State {
        var received: [String] = []
        var consumed = 0
        var ended = false
    }

    private let state = Mutex(State())
    private let stopSignal: AsyncStream<Void>.Continuation
    private let task = Mutex<Task<Void, any Error>?>(nil)

    private init(stopSignal: AsyncStream<Void>.Continuation) {
        self.stopSignal = stopSignal
    }

    /// Connects with `Authorization: Bearer` (or, like a browser, the `bearer, <token>`
    /// subprotocol) and waits for the counters snapshot, so the client is registered when
    /// this returns. Returns nil when the upgrade is refused or nothing arrives.
    static func connect(port: Int, path: String, token: String, subprotocol: Bool = false) async throws -> (LiveWatcher, String)? {
        let (stopStream, stop) = AsyncStream<Void>.makeStream()
        let watcher = LiveWatcher(stopSignal: stop)
        var headers: HTTPFields = [:]
        if subprotocol {
            headers[.secWebSocketProtocol] = "bearer, \(token)"
        } else {
            headers[.authorization] = "Bearer \(token)"
        }
        var logger = Logger(label: "live-watcher")
        logger.logLevel = .critical
        let configuration = WebSocketClientConfiguration(additionalHeaders: headers)
        let task = Task {
            defer { watcher.state.withLock { $0.ended = true } }
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)", configuration: configuration, logger: logger) {
                inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 16) {
                            if case .text(let text) = message { watcher.state.withLock { $0.received.append(text) } }
                        }
                    }
                    group.addTask {
                        for await _ in stopStream { break }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        watcher.task.withLock { $0 = task }
        guard let snapshot = await watcher.next(timeout: .seconds(5)) else {
            await watcher.close()
            return nil
        }
        return (watcher, snapshot)
    }

    /// The next message not yet returned, or nil after `timeout` or when the connection ended.
    func next(timeout: Duration = .seconds(5)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (message, ended): (String?, Bool) = state.withLock { state in
                if state.consumed < state.received.count {
                    state.consumed += 1
                    return (state.received[state.consumed - 1], false)
                }
                return (nil, state.ended)
            }
            if let message { return message }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Whether the connection has ended (the server closed it), waiting up to `timeout`.
    func ended(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.ended }) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return state.withLock { $0.ended }
    }

    /// Closes the connection and waits for the client to finish.
    func close() async {
        stopSignal.yield()
        stopSignal.finish()
        if let task = task.withLock({ $0 }) { _ = await task.result }
    }
}
