import Foundation
import Logging
import Synchronization

/// Writes one JSON object per log line to standard output, as log collectors
/// (Loki, Fluent Bit) expect.
///
/// platform-api logs identifiers only: route patterns, status codes, durations, user
/// and organization ids. Never tokens, secrets, request bodies or query strings.
public struct JSONLogHandler: LogHandler {
    /// Metadata attached to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Lines below this level are dropped.
    public var logLevel: Logger.Level
    /// Metadata of the task writing the line (the request id, the trace id), below the
    /// logger's own and the line's.
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: JSONLogSink

    /// Creates a handler writing to `sink` (standard output by default).
    public init(
        label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil, sink: JSONLogSink = .standardOutput
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    /// Reads or sets one metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats and writes one line.
    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadataProvider?.get() ?? [:] { object[key] = "\(value)" }
        for (key, value) in metadata { object[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { object[key] = "\(value)" }
        object["ts"] = Self.timestamp()
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["msg"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(UInt8(ascii: "\n"))
        sink.write(line)
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Where JSON log lines go: standard output in production, a buffer in tests.
public final class JSONLogSink: Sendable {
    private let lines = Mutex<[String]?>(nil)

    private init(capturing: Bool) {
        if capturing { lines.withLock { $0 = [] } }
    }

    /// Writes to standard output.
    public static let standardOutput = JSONLogSink(capturing: false)

    /// Keeps lines in memory (tests check that no secret is ever logged).
    public static func capturing() -> JSONLogSink { JSONLogSink(capturing: true) }

    /// The captured lines (empty for standard output).
    public var captured: [String] { lines.withLock { $0 ?? [] } }

    func write(_ line: Data) {
        let handled = lines.withLock { buffer -> Bool in
            guard buffer != nil else { return false }
            buffer!.append(String(decoding: line, as: UTF8.self))
            return true
        }
        if !handled { FileHandle.standardOutput.write(line) }
    }
}
