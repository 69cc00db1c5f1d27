import Foundation
public import GitKit

/// How a run treats remote repositories.
public struct RemoteOptions: Sendable {
    /// The folder holding one bare mirror per remote URL.
    public var cacheDirectory: String
    /// False (`--no-push`): commits stay in the cache's mirrors.
    public var push: Bool
    public var credentials: RemoteCredentialSource
    /// Rounds of fetch, re-render, push before a push race is given up.
    public var maxAttempts: Int

    public init(cacheDirectory: String? = nil, push: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment,
                maxAttempts: Int = 5) {
        self.cacheDirectory = cacheDirectory ?? Self.defaultCacheDirectory(environment: environment)
        self.push = push
        self.credentials = RemoteCredentialSource(environment: environment)
        self.maxAttempts = maxAttempts
    }

    /// `$XDG_CACHE_HOME/scaffold/repositories`, else `~/.cache/scaffold/repositories`.
    public static func defaultCacheDirectory(environment: [String: String]) -> String {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return base + "/scaffold/repositories"
    }
}

/// A branch a run moved in a remote repository: pushed, or kept in the cache (`--no-push`).
public struct RemotePush: Codable, Sendable, Equatable {
    /// The remote, as reports name it (no password).
    public var repository: String
    public var branch: String
    public var commit: String
    /// The commit the remote had (nil: the branch is new there).
    public var previous: String?
    public var pushed: Bool
    /// The mirror holding the commit.
    public var cache: String
    /// The round of fetch, render and push that pushed it (more than 1 after a push race).
    public var rounds: Int = 1
}

/// The remote repositories of one attempt: each remote location mirrored into the cache
/// when it is first opened (fetched then, so every attempt starts from the remote's
/// current state), and every branch the attempt moved pushed at the end.
///
/// Commands open repositories through ``GitDelivery/open(_:)``, which asks the current
/// session (a task-local) for the folder to open: a local location is itself, a remote
/// one its mirror. So generate, bump, promote and check run unchanged on remotes.
public final class RemoteSession: @unchecked Sendable {  // `mirrors` is guarded by `guardLock`
    @TaskLocal static var current: RemoteSession?

    struct Mirror {
        let url: RemoteURL
        let path: String
        let state: MirrorState
        let lock: FileLock
    }

    let options: RemoteOptions
    private let guardLock = NSLock()
    private var opened: [Mirror] = []
    /// Branches this session pushed so far (kept when a later push of the round is refused).
    private(set) var completed: [RemotePush] = []
    private var mirrors: [Mirror] { guardLock.withLock { opened } }

    init(options: RemoteOptions) {
        self.options = options
    }

    deinit { opened.forEach { $0.lock.release() } }

    /// The folder to open for `location`.
    static func localPath(for location: String) throws -> String {
        guard case .remote(let url) = RepositoryLocation(location) else { return location }
        guard let session = current else {
            // Never a silent local-only commit of a remote: only a run that pushes opens one.
            throw DeliveryError.remoteUnreachable(
                repository: url.redacted, reason: "remote repositories are opened only inside `Remotes.run`, which pushes what it commits")
        }
        return try session.mirror(url).path
    }

    func mirror(_ url: RemoteURL) throws -> Mirror {
        try guardLock.withLock { try openMirror(url) }
    }

    private func openMirror(_ url: RemoteURL) throws -> Mirror {
        if let mirror = opened.first(where: { $0.url == url }) { return mirror }
        let path = options.cacheDirectory + "/" + url.cacheName
        do {
            try FileManager.default.createDirectory(atPath: options.cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw DeliveryError.remoteUnreachable(repository: url.redacted, reason: "cannot create the cache folder \(options.cacheDirectory): \(error.localizedDescription)")
        }
        // Runs sharing a cache take turns on a mirror.
        let lock = try FileLock(path: path + ".lock")
        let repository: Repository
        do {
            repository = FileManager.default.fileExists(atPath: path)
                ? try Repository.open(at: path) : try Repository.create(at: path, bare: true)
        } catch let error as GitError {
            lock.release()
            throw DeliveryError.remoteUnreachable(repository: url.redacted, reason: "the cache mirror \(path): \(error.message)")
        }
        let state: MirrorState
        do {
            state = try repository.mirror(from: url.text, credentials: options.credentials.credentials(for: url))
        } catch {
            lock.release()
            throw remoteError(error, url)
        }
        let mirror = Mirror(url: url, path: path, state: state, lock: lock)
        opened.append(mirror)
        return mirror
    }

    /// Every branch this attempt moved, in the order the remotes were first opened.
    func movedBranches() throws -> [(mirror: Mirror, branch: String, commit: ObjectID)] {
        try mirrors.flatMap { mirror in
            let repository = try Repository.open(at: mirror.path)
            return try repository.localBranches().compactMap { branch -> (mirror: Mirror, branch: String, commit: ObjectID)? in
                guard let tip = try repository.branchTip(branch), tip != mirror.state.branches[branch] else { return nil }
                return (mirror, branch, tip)
            }
        }
    }

    /// Pushes every moved branch (no force: a remote that moved meanwhile refuses it,
    /// and ``PushRejected`` sends the run round again). Every remote to push to is first
    /// connected for pushing, so credentials refused anywhere push nothing anywhere.
    func publish() throws -> [RemotePush] {
        let moved = try movedBranches()
        let pushes = moved.map { mirror, branch, commit in
            RemotePush(repository: mirror.url.redacted, branch: branch, commit: commit.hex,
                       previous: mirror.state.branches[branch]?.hex, pushed: options.push, cache: mirror.path)
        }
        guard options.push, !moved.isEmpty else { return pushes }
        var checked: Set<RemoteURL> = []
        for (mirror, _, _) in moved where checked.insert(mirror.url).inserted {
            do {
                try Repository.open(at: mirror.path).checkPushAccess(to: mirror.url.text, credentials: options.credentials.credentials(for: mirror.url))
            } catch {
                throw remoteError(error, mirror.url)
            }
        }
        for (index, (mirror, branch, _)) in moved.enumerated() {
            let reference = "refs/heads/\(branch)"
            do {
                try Repository.open(at: mirror.path).push(
                    to: mirror.url.text, refspecs: ["\(reference):\(reference)"], credentials: options.credentials.credentials(for: mirror.url))
            } catch let rejection as PushRejected {
                throw rejection
            } catch {
                throw remoteError(error, mirror.url)
            }
            completed.append(pushes[index])
        }
        return pushes
    }

    private func remoteError(_ error: any Error, _ url: RemoteURL) -> DeliveryError {
        if let refused = error as? RemoteAuthenticationFailed {
            return .remoteRefusedCredentials(repository: url.redacted, offered: refused.offered, variable: options.credentials.tokenSource(for: url))
        }
        let message = (error as? GitError)?.message ?? String(describing: error)
        return .remoteUnreachable(repository: url.redacted, reason: message.replacingOccurrences(of: url.text, with: url.redacted))
    }
}

/// Runs a command whose repositories may be remote.
public enum Remotes {
    /// Runs `body` in a fresh ``RemoteSession`` (each remote fetched into its mirror as the
    /// body opens it), then pushes what moved. When a push is refused because the remote
    /// moved (another bot got in first), the whole body runs again on a new fetch: the
    /// edit and the render are redone on the new base, as the local compare-and-swap does,
    /// up to `options.maxAttempts` rounds. Local repositories are untouched by all this.
    public static func run<R>(_ options: RemoteOptions, _ body: () throws -> R) throws -> (result: R, pushes: [RemotePush], attempts: Int) {
        var attempt = 0
        // Pushes that landed in a round whose later push was refused (e.g. the blueprint's,
        // before the ops push lost a race): they stay on the remote, and in the report.
        var earlier: [RemotePush] = []
        func numbered(_ pushes: [RemotePush], _ round: Int) -> [RemotePush] {
            pushes.map { push in
                var push = push
                push.rounds = round
                return push
            }
        }
        while true {
            attempt += 1
            let session = RemoteSession(options: options)
            let result = try RemoteSession.$current.withValue(session) { try body() }
            do {
                return (result, earlier + numbered(try session.publish(), attempt), attempt)
            } catch let rejection as PushRejected {
                earlier += numbered(session.completed, attempt)
                guard attempt < options.maxAttempts else {
                    throw DeliveryError.pushRaceLost(reference: rejection.reference, attempts: attempt)
                }
                // Let the other writer finish before fetching again.
                usleep(UInt32.random(in: 10_000...(50_000 * UInt32(attempt))))
            }
        }
    }
}

extension [RepositoryDelivery] {
    /// Folds in what the run pushed: a repository whose commit landed in an earlier round
    /// (its later push lost a race, and the final round found nothing left to commit there)
    /// still got a commit from this run, and its pull request is still to be opened.
    mutating func record(_ pushes: [RemotePush]) {
        for index in indices where !self[index].committed {
            guard let push = pushes.last(where: { $0.repository == self[index].repository && $0.branch == self[index].branch }) else { continue }
            self[index].committed = true
            self[index].commit = push.commit
            if self[index].parent == nil { self[index].parent = push.previous }
        }
    }
}

extension ImageDeliveryReport {
    /// Records the pushes of a remote run (see ``Swift/Array/record(_:)``).
    public mutating func record(_ pushes: [RemotePush]) {
        self.pushes = pushes
        repositories.record(pushes)
        if repositories.contains(where: \.committed) { alreadyAt = false }
    }
}

extension GitGenerationReport {
    /// Records the pushes of a remote run.
    public mutating func record(_ pushes: [RemotePush]) {
        self.pushes = pushes
        repositories.record(pushes)
    }
}
