import NIOCore

/// One value of the Redis serialisation protocol, version 2 (RESP2).
///
/// There is no Swift Redis client available to this package, so platform-api carries
/// the smallest client it needs: commands out (arrays of bulk strings), replies and
/// pub/sub pushes in. See `RedisConnection`.
public enum RESPValue: Sendable, Equatable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR message\r\n`
    case error(String)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nfoo\r\n`, or `$-1\r\n` for the null bulk string.
    case bulkString([UInt8]?)
    /// `*2\r\n…`, or `*-1\r\n` for the null array.
    case array([RESPValue]?)

    /// The value as text when it is a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes?): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// Encodes a command (an array of bulk strings), the only shape a client sends.
    public static func encodeCommand(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }

    /// Parses one complete value from the front of `buffer`, moving its reader index
    /// past it. Returns nil (leaving the buffer untouched) when more bytes are needed.
    public static func parse(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 1) else { return nil }
        buffer = copy
        return value
    }

    /// Arrays nest at most this deep (pub/sub pushes nest two levels; the limit keeps
    /// the recursion off the end of the stack whatever a server sends).
    public static let maxDepth = 32

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RESPProtocolError) -> RESPValue? {
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var afterMarker = buffer
        afterMarker.moveReaderIndex(forwardBy: 1)
        guard let line = try readLine(&afterMarker) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            buffer = afterMarker
            return .simpleString(line)
        case UInt8(ascii: "-"):
            buffer = afterMarker
            return .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int64(line) else { throw RESPProtocolError(reason: "bad integer `\(line)`") }
            buffer = afterMarker
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1 else { throw RESPProtocolError(reason: "bad bulk length `\(line)`") }
            if length == -1 {
                buffer = afterMarker
                return .bulkString(nil)
            }
            // Compared without `length + 2`, which overflows for a length near Int.max.
            guard afterMarker.readableBytes - 2 >= length else { return nil }
            let bytes = afterMarker.readBytes(length: length) ?? []
            guard afterMarker.readBytes(length: 2) == [13, 10] else {
                throw RESPProtocolError(reason: "bulk string not terminated by CRLF")
            }
            buffer = afterMarker
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else { throw RESPProtocolError(reason: "bad array length `\(line)`") }
            if count == -1 {
                buffer = afterMarker
                return .array(nil)
            }
            guard depth <= maxDepth else { throw RESPProtocolError(reason: "arrays nested deeper than \(maxDepth)") }
            var elements: [RESPValue] = []
            // Every element takes at least 3 bytes: reserve for what has arrived, not for
            // what the count claims (a forged count would reserve terabytes).
            elements.reserveCapacity(min(count, afterMarker.readableBytes / 3))
            for _ in 0..<count {
                guard let element = try parseValue(&afterMarker, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            buffer = afterMarker
            return .array(elements)
        default:
            throw RESPProtocolError(reason: "unknown type marker \(marker)")
        }
    }

    /// Reads up to CRLF; nil when the line is not complete yet.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RESPProtocolError) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 13) else { return nil }
        let next = view.index(after: cr)
        guard next < view.endIndex else { return nil }
        guard view[next] == 10 else { throw RESPProtocolError(reason: "line not terminated by CRLF") }
        let length = cr - view.startIndex
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

/// The server sent bytes that are not RESP2.
public struct RESPProtocolError: Error, CustomStringConvertible {
    /// What was wrong.
    public var reason: String
    /// A readable summary.
    public var description: String { "malformed RESP reply: \(reason)" }
}
