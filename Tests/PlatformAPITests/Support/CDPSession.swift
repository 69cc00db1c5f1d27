import Foundation
import TestSupport
import HummingbirdWSClient
import Logging
import NIOCore
import PlatformAPI
import Synchronization

/// The smallest Chrome DevTools Protocol client the web page test needs: commands with
/// ids over the page target's WebSocket, responses matched by id (events are ignored).
final class CDPSession: Sendable {
    private let outbound: WebSocketOutboundWriter
    private let nextID = Mutex(0)
    private let waiting = Mutex<[Int: CheckedContinuation<JSONValue, any Error>]>([:])

    private init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `url` (a `webSocketDebuggerUrl`) and runs `body` with the session.
    static func run<T: Sendable>(url: String, _ body: @escaping @Sendable (CDPSession) async throws -> T) async throws -> T {
        var logger = Logger(label: "cdp")
        logger.logLevel = .critical
        let result = Mutex<Result<T, any Error>?>(nil)
        try await WebSocketClient.connect(
            url: url, configuration: .init(maxFrameSize: 1 << 24), logger: logger
        ) { inbound, outbound, _ in
            let session = CDPSession(outbound: outbound)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 26) {
                        guard case .text(let text) = message else { continue }
                        session.deliver(text)
                    }
                    session.failAll(CommandFailed(description: "the DevTools connection closed"))
                }
                do {
                    let value = try await body(session)
                    result.withLock { $0 = .success(value) }
                } catch {
                    result.withLock { $0 = .failure(error) }
                }
                try await outbound.close(.normalClosure, reason: nil)
                group.cancelAll()
            }
        }
        guard let outcome = result.withLock({ $0 }) else { throw CommandFailed(description: "the DevTools session did not run") }
        return try outcome.get()
    }

    /// Sends a command and returns its `result`.
    @discardableResult
    func send(_ method: String, _ params: [String: JSONValue] = [:], timeout: Duration = .seconds(20)) async throws -> JSONValue {
        let id = nextID.withLock { value in
            value += 1
            return value
        }
        let message = JSONValue.object(["id": .number(Double(id)), "method": .string(method), "params": .object(params)]).jsonText
        return try await withThrowingTaskGroup(of: JSONValue.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    self.waiting.withLock { $0[id] = continuation }
                    Task { try? await self.outbound.write(.text(message)) }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CommandFailed(description: "\(method) timed out")
            }
            defer { group.cancelAll() }
            let value = try await group.next()!
            return value
        }
    }

    /// Evaluates JavaScript in the page (awaiting promises) and returns its value.
    func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await send(
            "Runtime.evaluate", ["expression": .string(expression), "awaitPromise": .bool(true), "returnByValue": .bool(true)])
        guard case .object(let outer) = result else { throw CommandFailed(description: "no result") }
        if case .object(let exception)? = outer["exceptionDetails"] {
            throw CommandFailed(description: "JavaScript exception: \(JSONValue.object(exception).jsonText)")
        }
        guard case .object(let remote)? = outer["result"] else { return .null }
        return remote["value"] ?? .null
    }

    /// Polls `expression` until it is `true`.
    func waitFor(_ expression: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await evaluate("Boolean(\(expression))") == .bool(true) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        let status = try? await evaluate("document.getElementById('status') && document.getElementById('status').textContent")
        throw CommandFailed(description: "timed out waiting for `\(expression)`; page status: \(status?.jsonText ?? "?")")
    }

    private func deliver(_ text: String) {
        guard case .object(let message)? = try? JSONValue(jsonText: text), case .number(let number)? = message["id"] else { return }
        guard let continuation = waiting.withLock({ $0.removeValue(forKey: Int(number)) }) else { return }
        if case .object(let error)? = message["error"] {
            continuation.resume(throwing: CommandFailed(description: JSONValue.object(error).jsonText))
        } else {
            continuation.resume(returning: message["result"] ?? .null)
        }
    }

    private func failAll(_ error: any Error) {
        let all = waiting.withLock { waiting in
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        for continuation in all { continuation.resume(throwing: error) }
    }
}

/// A headless Chromium with remote debugging on a free loopback port.
final class HeadlessChromium: Sendable {
    let process: SpawnedProcess
    let port: Int
    let profile: URL

    private init(process: SpawnedProcess, port: Int, profile: URL) {
        self.process = process
        self.port = port
        self.profile = profile
    }

    static func launch(executable: String, width: Int = 1200, height: Int = 900) async throws -> HeadlessChromium {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let process = try SpawnedProcess.spawn([
            executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank",
        ], log: profile.appendingPathComponent("chromium.log"))
        let portFile = profile.appendingPathComponent("DevToolsActivePort")
        for _ in 0..<400 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let line = text.split(separator: "\n").first,
                let port = Int(line)
            {
                return HeadlessChromium(process: process, port: port, profile: profile)
            }
            guard !process.exited else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.stop()
        throw CDPSession.CommandFailed(description: "chromium did not open its DevTools port")
    }

    func stop() {
        process.stop(grace: .seconds(5))
        try? FileManager.default.removeItem(at: profile)
    }
}
