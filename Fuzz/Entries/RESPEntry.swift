public import Foundation
import NIOCore
import PlatformAPI

extension FuzzEntry {
    /// platform-api's RESP2 reader, fed the input as a server's replies: values are
    /// read until it needs more bytes or refuses; a value it cannot finish leaves the
    /// buffer untouched.
    public static func resp(_ input: Data) {
        var buffer = ByteBuffer(bytes: input)
        while buffer.readableBytes > 0 {
            let before = buffer
            do {
                guard try RESPValue.parse(from: &buffer) != nil else {
                    check(buffer == before, "an unfinished value moved the buffer")
                    return
                }
                check(buffer.readerIndex > before.readerIndex, "a value read no bytes")
            } catch {
                return
            }
        }
    }
}
