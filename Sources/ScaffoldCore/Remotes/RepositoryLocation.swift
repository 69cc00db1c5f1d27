import Foundation
import Renderer

/// What a repository flag (`--ops-repo`, `--infra-repo`, `--blueprint-repo`) names: a
/// folder on this machine, or a remote URL scaffold mirrors into its cache.
///
/// Remote: `https://`, `http://`, `ssh://`, `git://` and `file://` URLs, and the scp-like
/// `user@host:path` form ssh accepts. Anything else is a local path.
public enum RepositoryLocation: Sendable, Equatable {
    case local(String)
    case remote(RemoteURL)

    public init(_ text: String) {
        self = RemoteURL(text).map { .remote($0) } ?? .local(text)
    }

    /// How reports and errors name it: the path, or the URL without any password in it.
    public var display: String {
        switch self {
        case .local(let path): return path
        case .remote(let url): return url.redacted
        }
    }

    /// `display` of a location given as text.
    public static func display(_ text: String) -> String { RepositoryLocation(text).display }
}

/// A remote repository's URL, as given (libgit2 receives it unchanged).
public struct RemoteURL: Sendable, Hashable {
    public static let schemes = ["https", "http", "ssh", "git", "file"]

    public let text: String
    /// `https`, `http`, `ssh`, `git`, `file`, or `ssh` for the scp-like form.
    public let scheme: String
    /// The host (lowercased), nil for `file://`.
    public let host: String?

    public init?(_ text: String) {
        if let range = text.range(of: "://") {
            let scheme = text[..<range.lowerBound].lowercased()
            guard Self.schemes.contains(scheme) else { return nil }
            self.text = text
            self.scheme = scheme
            let rest = text[range.upperBound...]
            let authority = rest.prefix { $0 != "/" }
            let hostAndPort = authority.split(separator: "@").last.map(String.init) ?? ""
            let host = hostAndPort.hasPrefix("[") ? String(hostAndPort.prefix { $0 != "]" }.dropFirst())
                : String(hostAndPort.prefix { $0 != ":" })
            self.host = scheme == "file" || host.isEmpty ? nil : host.lowercased()
            return
        }
        // scp-like `git@github.com:org/repo.git`: a colon before any slash, and a user.
        guard let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon,
              !text[..<colon].contains("/"), !text.hasPrefix("/"), !text.hasPrefix(".") else { return nil }
        self.text = text
        scheme = "ssh"
        host = String(text[text.index(after: at)..<colon]).lowercased()
    }

    /// The URL with the password of any `user:password@` replaced by `***`.
    public var redacted: String {
        guard let range = text.range(of: "://") else { return text }
        let rest = text[range.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return text }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<range.upperBound]) + userinfo[..<colon] + ":***" + text[at...]
    }

    /// A folder name for the cache: readable, and unique per URL (without its password).
    var cacheName: String {
        let readable = redacted.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "." })
            .suffix(3).joined(separator: "-")
        return String(readable.suffix(60)) + "-" + String(ContentHash.sha256(redacted).prefix(12)) + ".git"
    }
}
