import Foundation
import ScaffoldCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Real git servers on loopback for the remote-repository tests, each serving the bare
/// repositories under one folder, stopped when the value goes away:
/// `git daemon --enable=receive-pack` (git://) and `git http-backend` behind basic
/// authentication (`scripts/git-http-server.py`, http://).
final class GitServer {
    let process: SpawnedProcess
    let baseURL: String

    private init(process: SpawnedProcess, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    deinit { process.stop() }

    func url(_ repository: String) -> String { baseURL + "/" + repository }

    /// `git daemon` exporting every repository under `root`, pushes allowed.
    static func daemon(root: String) throws -> GitServer {
        let port = try LoopbackPort.free()
        let git = try #require(TestTools.which("git"))
        // Spawned with an empty signal mask in its own group (``SpawnedProcess``): the
        // daemon and the children it forks per connection all stop with the test.
        let process = try SpawnedProcess.spawn(
            [git, "daemon", "--base-path=\(root)", "--export-all", "--enable=receive-pack", "--reuseaddr",
             "--listen=127.0.0.1", "--port=\(port)", root],
            log: URL(fileURLWithPath: root + "/git-daemon.log"))
        let server = GitServer(process: process, baseURL: "git://127.0.0.1:\(port)")
        try waitUntilListening(port)
        return server
    }

    /// Smart HTTP with basic authentication: `token` is the password it accepts (any user
    /// name); with `anonymousRead`, fetches need no credentials and pushes still do.
    static func http(root: String, token: String, anonymousRead: Bool = false) throws -> GitServer {
        let script = TestTools.packageRoot.appendingPathComponent("scripts/git-http-server.py").path
        let log = root + "/git-http-server-\(UUID().uuidString.prefix(8)).log"
        let process = try SpawnedProcess.spawn(
            [try #require(TestTools.which("python3")), script, root, "scaffold-test", token] + (anonymousRead ? ["--anonymous-read"] : []),
            log: URL(fileURLWithPath: log))
        // The first line it prints is its port.
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let line = text.split(separator: "\n").first,
               text.contains("\n"), let port = Int(line) {
                return GitServer(process: process, baseURL: "http://127.0.0.1:\(port)")
            }
            usleep(25_000)
        }
        process.stop()
        throw GitCommandFailed(message: "git-http-server.py printed no port: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    static func waitUntilListening(_ port: Int) throws {
        for _ in 0..<200 {
            if LoopbackPort.isListening(port) { return }
            usleep(25_000)
        }
        throw GitCommandFailed(message: "nothing listens on port \(port)")
    }
}
