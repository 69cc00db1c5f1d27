public import GitKit

/// Where scaffold takes the credentials for a remote from: the environment only, never
/// a flag (flags end up in shell history and CI logs).
///
/// - `SCAFFOLD_GIT_TOKEN_<HOST>` (the host uppercased, every other character `_`, e.g.
///   `SCAFFOLD_GIT_TOKEN_GITHUB_COM`), else `SCAFFOLD_GIT_TOKEN`: the token sent as the
///   password of HTTP basic authentication over https/http;
/// - `SCAFFOLD_GIT_USERNAME`: the user name sent with it (default `x-access-token`, which
///   GitHub expects for app and Actions tokens; GitLab and Gitea accept any name);
/// - `SCAFFOLD_GIT_SSH_KEY`: a private key file for ssh; without it, ssh-agent.
public struct RemoteCredentialSource: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The variable holding the token for `host`.
    public static func tokenVariable(forHost host: String) -> String {
        "SCAFFOLD_GIT_TOKEN_" + String(host.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    public func credentials(for url: RemoteURL) -> RemoteCredentials {
        let perHost = url.host.flatMap { environment[Self.tokenVariable(forHost: $0)] }
        let token = (perHost ?? environment["SCAFFOLD_GIT_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
        let usesToken = url.scheme == "https" || url.scheme == "http"
        return RemoteCredentials(
            username: environment["SCAFFOLD_GIT_USERNAME"].flatMap { $0.isEmpty ? nil : $0 },
            token: usesToken ? token : nil,
            sshKeyFile: url.scheme == "ssh" ? environment["SCAFFOLD_GIT_SSH_KEY"] : nil)
    }

    /// Which variable a token for `url` was (or would be) read from, for error hints.
    public func tokenSource(for url: RemoteURL) -> String {
        if let host = url.host, environment[Self.tokenVariable(forHost: host)] != nil { return Self.tokenVariable(forHost: host) }
        return "SCAFFOLD_GIT_TOKEN"
    }
}
