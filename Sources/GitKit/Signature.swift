internal import CLibGit2
import Foundation

/// Who made a commit and when, as a Swift value.
///
/// `time` nil means "now" when the commit is written.
public struct Signature: Sendable, Equatable, CustomStringConvertible {
    /// The person's name, e.g. `Platform Bot`.
    public var name: String
    /// The e-mail address, without angle brackets.
    public var email: String
    /// Seconds since the epoch; nil for the current time.
    public var time: Int64?
    /// Offset from UTC in minutes (ignored when `time` is nil: the local offset is used).
    public var offsetMinutes: Int32

    /// Creates an identity.
    public init(name: String, email: String, time: Int64? = nil, offsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// Parses `Name <email>` (the form `git commit --author` takes).
    public init?(parsing text: String) {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return nil
        }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = text[text.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !email.isEmpty, text[text.index(after: close)...].allSatisfy(\.isWhitespace) else {
            return nil
        }
        self.init(name: name, email: email)
    }

    public var description: String { "\(name) <\(email)>" }

    init(_ raw: UnsafePointer<git_signature>) {
        let value = raw.pointee
        self.init(
            name: String(cString: value.name),
            email: String(cString: value.email),
            time: Int64(value.when.time),
            offsetMinutes: Int32(value.when.offset)
        )
    }

    /// Makes the libgit2 signature object for this value.
    func makeHandle() throws -> SignatureHandle {
        _ = LibGit2.ready
        var out: UnsafeMutablePointer<git_signature>?
        if let time {
            try check(git_signature_new(&out, name, email, git_time_t(time), offsetMinutes), "git_signature_new")
        } else {
            try check(git_signature_now(&out, name, email), "git_signature_now")
        }
        return SignatureHandle(out!)
    }
}

/// Owns one `git_signature`, freed in `deinit`.
final class SignatureHandle {
    let pointer: UnsafeMutablePointer<git_signature>

    init(_ pointer: UnsafeMutablePointer<git_signature>) {
        self.pointer = pointer
    }

    deinit { git_signature_free(pointer) }

    var value: Signature { Signature(UnsafePointer(pointer)) }
}
