internal import CLibGit2
import Foundation

/// Fetch and push through libgit2 (the ground of remote `--ops-repo` URLs, issue #15; not
/// wired into the delivery commands yet).
///
/// How scaffold authenticates to a remote: a token for https (sent as the password of
/// HTTP basic authentication, as GitHub, GitLab and Gitea accept it), an ssh key through
/// ssh-agent or a key file. Never printed or logged: ``description`` names the kind only.
public struct RemoteCredentials: Sendable, CustomStringConvertible {
    public var username: String?
    public var token: String?
    public var sshKeyFile: String?

    public init(username: String? = nil, token: String? = nil, sshKeyFile: String? = nil) {
        self.username = username
        self.token = token
        self.sshKeyFile = sshKeyFile
    }

    public var description: String {
        let kinds = [token != nil ? "token" : nil, sshKeyFile != nil ? "ssh key file" : nil].compactMap { $0 }
        return kinds.isEmpty ? "anonymous or ssh-agent" : kinds.joined(separator: ", ")
    }
}

/// A push a remote refused (most often not a fast-forward: someone pushed first).
public struct PushRejected: Error, Sendable, Equatable, CustomStringConvertible {
    public var reference: String
    public var message: String
    public var description: String { "the remote refused \(reference): \(message)" }
}

/// State the C callbacks reach through libgit2's payload pointer.
private final class RemoteCallState {
    let credentials: RemoteCredentials
    var attempts = 0
    var rejected: [(String, String)] = []
    init(_ credentials: RemoteCredentials) { self.credentials = credentials }
}

private let acquireCredential: git_credential_acquire_cb = { out, _, usernameFromURL, allowed, payload in
    guard let out, let payload else { return GIT_PASSTHROUGH.rawValue }
    let state = Unmanaged<RemoteCallState>.fromOpaque(payload).takeUnretainedValue()
    state.attempts += 1
    // libgit2 asks again after a refusal: give up instead of looping.
    guard state.attempts <= 3 else { return GIT_EUSER.rawValue }
    let user = state.credentials.username ?? usernameFromURL.map { String(cString: $0) }
    if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0, let token = state.credentials.token {
        return git_credential_userpass_plaintext_new(out, user ?? "x-access-token", token)
    }
    if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
        let name = user ?? "git"
        if let key = state.credentials.sshKeyFile {
            return git_credential_ssh_key_new(out, name, nil, key, nil)
        }
        return git_credential_ssh_key_from_agent(out, name)
    }
    if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
        return git_credential_username_new(out, user ?? "git")
    }
    return GIT_PASSTHROUGH.rawValue
}

private let pushUpdate: git_push_update_reference_cb = { reference, status, payload in
    guard let payload, let status, let reference else { return 0 }
    let state = Unmanaged<RemoteCallState>.fromOpaque(payload).takeUnretainedValue()
    state.rejected.append((String(cString: reference), String(cString: status)))
    return 0
}

extension Repository {
    /// Fetches `refspecs` (e.g. `+refs/heads/main:refs/heads/main`) from `url`.
    public func fetch(from url: String, refspecs: [String], credentials: RemoteCredentials = RemoteCredentials()) throws {
        _ = LibGit2.ready
        let remote = try anonymousRemote(url)
        defer { git_remote_free(remote) }
        let state = RemoteCallState(credentials)
        try withUnmanaged(state) { payload in
            var options = git_fetch_options()
            try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
            options.callbacks.credentials = acquireCredential
            options.callbacks.payload = payload
            options.prune = GIT_FETCH_NO_PRUNE
            try withStrArray(refspecs) { array in
                try check(git_remote_fetch(remote, &array, &options, "scaffold: fetch"), "git_remote_fetch")
            }
        }
    }

    /// Pushes `refspecs` to `url`; a reference the remote refuses throws ``PushRejected``.
    public func push(to url: String, refspecs: [String], credentials: RemoteCredentials = RemoteCredentials()) throws {
        _ = LibGit2.ready
        let remote = try anonymousRemote(url)
        defer { git_remote_free(remote) }
        let state = RemoteCallState(credentials)
        try withUnmanaged(state) { payload in
            var options = git_push_options()
            try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
            options.callbacks.credentials = acquireCredential
            options.callbacks.push_update_reference = pushUpdate
            options.callbacks.payload = payload
            try withStrArray(refspecs) { array in
                let code = git_remote_push(remote, &array, &options)
                // A non-fast-forward over the local transport comes back as an error code, not a status.
                if code == GIT_ENONFASTFORWARD.rawValue {
                    throw PushRejected(reference: refspecs.joined(separator: " "), message: "not a fast-forward")
                }
                try check(code, "git_remote_push")
            }
        }
        if let (reference, message) = state.rejected.first { throw PushRejected(reference: reference, message: message) }
    }

    private func anonymousRemote(_ url: String) throws -> OpaquePointer? {
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, pointer, url), "git_remote_create_anonymous")
        return remote
    }
}

private func withUnmanaged<T: AnyObject, R>(_ object: T, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
    let unmanaged = Unmanaged.passRetained(object)
    defer { unmanaged.release() }
    return try body(unmanaged.toOpaque())
}

private func withStrArray<R>(_ strings: [String], _ body: (inout git_strarray) throws -> R) rethrows -> R {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
