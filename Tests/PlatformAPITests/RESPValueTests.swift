import NIOCore
import PlatformAPI
import Testing

/// The RESP2 codec of platform-api's own Redis client.
@Suite struct RESPValueTests {
    @Test func encodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPValue.encodeCommand(["PUBLISH", "platform:config_changed", #"{"key":"é","version":2}"#], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$7\r\nPUBLISH\r\n$23\r\nplatform:config_changed\r\n$24\r\n{\"key\":\"é\",\"version\":2}\r\n")
    }

    @Test func parsesEveryReplyType() throws {
        var buffer = ByteBuffer(string: "+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n:7\r\n*-1\r\n")
        #expect(try RESPValue.parse(from: &buffer) == .simpleString("OK"))
        #expect(try RESPValue.parse(from: &buffer) == .error("ERR wrong"))
        #expect(try RESPValue.parse(from: &buffer) == .integer(42))
        #expect(try RESPValue.parse(from: &buffer) == .bulkString(Array("hello".utf8)))
        #expect(try RESPValue.parse(from: &buffer) == .bulkString(nil))
        #expect(try RESPValue.parse(from: &buffer) == .array([.bulkString([UInt8(ascii: "a")]), .integer(7)]))
        #expect(try RESPValue.parse(from: &buffer) == .array(nil))
        #expect(buffer.readableBytes == 0)
    }

    @Test func waitsForIncompleteValuesWithoutConsuming() throws {
        let whole = "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$11\r\nhello world\r\n"
        let bytes = Array(whole.utf8)
        for cut in 1..<bytes.count {
            var partial = ByteBuffer(bytes: bytes[..<cut])
            #expect(try RESPValue.parse(from: &partial) == nil, "cut at \(cut)")
            #expect(partial.readableBytes == cut)
        }
        var complete = ByteBuffer(bytes: bytes)
        let value = try RESPValue.parse(from: &complete)
        #expect(value == .array([.bulkString(Array("message".utf8)), .bulkString(Array("chan".utf8)), .bulkString(Array("hello world".utf8))]))
    }

    @Test func rejectsMalformedInput() {
        var bad = ByteBuffer(string: "?what\r\n")
        #expect(throws: RESPProtocolError.self) { try RESPValue.parse(from: &bad) }
        var badLength = ByteBuffer(string: "$x\r\n")
        #expect(throws: RESPProtocolError.self) { try RESPValue.parse(from: &badLength) }
        var carriageReturnOnly = ByteBuffer(string: "+OK\rX")
        #expect(throws: RESPProtocolError.self) { try RESPValue.parse(from: &carriageReturnOnly) }
    }

    /// Found by fuzzing (Fuzz/Regressions/resp): a forged array count reserved terabytes,
    /// a bulk length near Int.max overflowed `length + 2`, and nested arrays recursed
    /// off the end of the stack.
    @Test func forgedLengthsAndDepthsAreRefusedOrAwaited() throws {
        var forgedCount = ByteBuffer(string: "*188888888880\r\n+a\r\n")
        #expect(try RESPValue.parse(from: &forgedCount) == nil)  // waits for the rest
        var hugeLength = ByteBuffer(string: "$9223372036854775807\r\nx")
        #expect(try RESPValue.parse(from: &hugeLength) == nil)
        var deep = ByteBuffer(string: String(repeating: "*1\r\n", count: 100_000) + ":1\r\n")
        #expect(throws: RESPProtocolError.self) { try RESPValue.parse(from: &deep) }
        var deepest = ByteBuffer(string: String(repeating: "*1\r\n", count: RESPValue.maxDepth) + ":1\r\n")
        #expect(try RESPValue.parse(from: &deepest) != nil)
        var tooDeep = ByteBuffer(string: String(repeating: "*1\r\n", count: RESPValue.maxDepth + 1) + ":1\r\n")
        #expect(throws: RESPProtocolError.self) { try RESPValue.parse(from: &tooDeep) }
    }
}
