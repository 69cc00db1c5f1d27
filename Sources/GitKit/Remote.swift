internal import CLibGit2
import Foundation

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

/// The remote asked for credentials and refused the ones scaffold had (or it had none).
public struct RemoteAuthenticationFailed: Error, Sendable, Equatable, CustomStringConvertible {
    /// The credentials offered, by kind only (``RemoteCredentials/description``).
    public var offered: String
    public var description: String { "the remote refused the credentials offered (\(offered))" }
}

/// The branches of a remote after ``Repository/mirror(from:credentials:)``.
public struct MirrorState: Sendable, Equatable {
    /// The branch the remote's HEAD names; nil for an empty remote.
    public var defaultBranch: String?
    /// Every branch of the remote and its commit.
    public var branches: [String: ObjectID]
}

/// State the C callbacks reach through libgit2's payload pointer.
private final class RemoteCallState {
    let credentials: RemoteCredentials
    var attempts = 0
    var refusedCredentials = false
    var rejected: [(String, String)] = []
    init(_ credentials: RemoteCredentials) { self.credentials = credentials }
}

private let acquireCredential: git_credential_acquire_cb = { out, _, usernameFromURL, allowed, payload in
    guard let out, let payload else { return GIT_PASSTHROUGH.rawValue }
    let state = Unmanaged<RemoteCallState>.fromOpaque(payload).takeUnretainedValue()
    state.attempts += 1
    // libgit2 asks again only when the remote refused what it was given: stop there
    // instead of looping (and say so, rather than libgit2's generic error).
    let user = state.credentials.username ?? usernameFromURL.map { String(cString: $0) }
    let wantsPassword = allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0
    if state.attempts > 1 || (wantsPassword && state.credentials.token == nil) {
        state.refusedCredentials = true
        return GIT_EUSER.rawValue
    }
    if wantsPassword, let token = state.credentials.token {
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
        try withRemote(url, credentials) { remote, callbacks, _ in
            var options = git_fetch_options()
            try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
            options.callbacks = callbacks
            options.prune = GIT_FETCH_NO_PRUNE
            try withStrArray(refspecs) { array in
                try check(git_remote_fetch(remote, &array, &options, "scaffold: fetch"), "git_remote_fetch")
            }
        }
    }

    /// Makes this repository's branches exactly the remote's (one connection): every
    /// branch fetched and forced to the remote's commit, local branches the remote does
    /// not have deleted, HEAD naming the remote's default branch. For the bare mirrors
    /// scaffold keeps in its cache; never use it on a repository with work of its own.
    @discardableResult
    public func mirror(from url: String, credentials: RemoteCredentials = RemoteCredentials()) throws -> MirrorState {
        try withRemote(url, credentials) { remote, callbacks, _ in
            var callbacks = callbacks
            try check(git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil), "git_remote_connect")
            defer { git_remote_disconnect(remote) }

            var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
            var count = 0
            try check(git_remote_ls(&heads, &count, remote), "git_remote_ls")
            var branches: [String: ObjectID] = [:]
            for index in 0..<count {
                guard let head = heads?[index]?.pointee, let name = head.name.map({ String(cString: $0) }),
                      name.hasPrefix("refs/heads/") else { continue }
                branches[String(name.dropFirst("refs/heads/".count))] = ObjectID(head.oid)
            }
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            let code = git_remote_default_branch(&buffer, remote)
            if code != GIT_ENOTFOUND.rawValue { try check(code, "git_remote_default_branch") }
            let defaultBranch = code == 0 ? String(cString: buffer.ptr).replacingOccurrences(of: "refs/heads/", with: "") : nil

            if !branches.isEmpty {
                var options = git_fetch_options()
                try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
                options.callbacks = callbacks
                options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
                try withStrArray(["+refs/heads/*:refs/heads/*"]) { array in
                    try check(git_remote_download(remote, &array, &options), "git_remote_download")
                    try check(git_remote_update_tips(remote, &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "scaffold: mirror"),
                              "git_remote_update_tips")
                }
            }
            // Branches the remote no longer has (or never had: an unpushed attempt).
            for local in try localBranches() where branches[local] == nil {
                try deleteBranch(local)
            }
            if let defaultBranch {
                try check(git_repository_set_head(pointer, "refs/heads/\(defaultBranch)"), "git_repository_set_head")
            }
            return MirrorState(defaultBranch: defaultBranch, branches: branches)
        }
    }

    /// Connects to `url` for pushing and disconnects: proves the credentials are accepted
    /// before anything is pushed anywhere.
    public func checkPushAccess(to url: String, credentials: RemoteCredentials = RemoteCredentials()) throws {
        try withRemote(url, credentials) { remote, callbacks, _ in
            var callbacks = callbacks
            try check(git_remote_connect(remote, GIT_DIRECTION_PUSH, &callbacks, nil, nil), "git_remote_connect")
            git_remote_disconnect(remote)
        }
    }

    /// Pushes `refspecs` to `url`; a reference the remote refuses throws ``PushRejected``.
    public func push(to url: String, refspecs: [String], credentials: RemoteCredentials = RemoteCredentials()) throws {
        let rejected = try withRemote(url, credentials) { remote, callbacks, state in
            var options = git_push_options()
            try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
            options.callbacks = callbacks
            options.callbacks.push_update_reference = pushUpdate
            try withStrArray(refspecs) { array in
                let code = git_remote_push(remote, &array, &options)
                // A non-fast-forward found before sending comes back as an error code, not a status.
                if code == GIT_ENONFASTFORWARD.rawValue {
                    throw PushRejected(reference: refspecs.joined(separator: " "), message: "not a fast-forward")
                }
                try check(code, "git_remote_push")
            }
            return state.rejected
        }
        if let (reference, message) = rejected.first { throw PushRejected(reference: reference, message: message) }
    }

    /// The short names of the local branches.
    public func localBranches() throws -> [String] {
        var iterator: OpaquePointer?
        try check(git_branch_iterator_new(&iterator, pointer, GIT_BRANCH_LOCAL), "git_branch_iterator_new")
        defer { git_branch_iterator_free(iterator) }
        var names: [String] = []
        while true {
            var reference: OpaquePointer?
            var type = GIT_BRANCH_LOCAL
            let code = git_branch_next(&reference, &type, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "git_branch_next")
            defer { git_reference_free(reference) }
            names.append(String(cString: git_reference_shorthand(reference)))
        }
        return names.sorted()
    }

    /// Deletes a local branch (not the one a work tree has checked out).
    public func deleteBranch(_ branch: String) throws {
        var reference: OpaquePointer?
        try check(git_reference_lookup(&reference, pointer, try Self.branchReference(branch)), "git_reference_lookup")
        defer { git_reference_free(reference) }
        try check(git_reference_delete(reference), "git_reference_delete")
    }

    /// An anonymous remote for `url` with scaffold's callbacks; a refused credential
    /// surfaces as ``RemoteAuthenticationFailed`` whatever libgit2 made of it.
    private func withRemote<R>(_ url: String, _ credentials: RemoteCredentials,
                               _ body: (OpaquePointer?, git_remote_callbacks, RemoteCallState) throws -> R) throws -> R {
        _ = LibGit2.ready
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, pointer, url), "git_remote_create_anonymous")
        defer { git_remote_free(remote) }
        let state = RemoteCallState(credentials)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        var callbacks = git_remote_callbacks()
        try check(git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)), "git_remote_init_callbacks")
        callbacks.credentials = acquireCredential
        callbacks.payload = unmanaged.toOpaque()
        do {
            return try body(remote, callbacks, state)
        } catch let error as GitError where state.refusedCredentials {
            _ = error
            throw RemoteAuthenticationFailed(offered: credentials.description)
        }
    }
}

private func withStrArray<R>(_ strings: [String], _ body: (inout git_strarray) throws -> R) rethrows -> R {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
