import Foundation
import ScaffoldCore

#if canImport(Glibc)
import Glibc
#endif

/// `scaffold-bench git`: the figures of git delivery (issue #5), each a real process run.
///
/// - bump to committed: `scaffold bump` on the example blueprint, from start to both
///   commits written (blueprint and ops repositories), the way a PR bot runs it, against
///   the git CLI making the same two commits (`git commit -qam` in a blueprint and an ops
///   work tree whose files already hold the edit: commit only, no render), same run;
/// - bump on remotes: the same bump with both repositories as `git://` URLs served by
///   `git daemon` on loopback (fetch into the cache, commit, push), against the local bump;
/// - committing the synthetic platform: `scaffold generate --ops-repo --infra-repo` into
///   empty bare repositories (render and commit), against `git add -A && git commit` with
///   the git CLI on the same rendered trees (commit only), in the same run.
enum GitBench {
    static let identity = "Scaffold Bench <bench@scaffold.invalid>"

    static func run(scaffold: String, options: [String: Int], example: String, work: URL) throws {
        for (name, value) in [
            ("GIT_AUTHOR_NAME", "Scaffold Bench"), ("GIT_AUTHOR_EMAIL", "bench@scaffold.invalid"),
            ("GIT_COMMITTER_NAME", "Scaffold Bench"), ("GIT_COMMITTER_EMAIL", "bench@scaffold.invalid"),
        ] { setenv(name, value, 1) }
        let git = try locate("git")
        let runs = options["--runs"]!
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)

        // Bump to committed, on the example blueprint.
        let blueprintRepo = work.appendingPathComponent("platform-blueprint").path
        try copyExample(example, to: blueprintRepo)
        _ = try Main.measure(git, ["-C", blueprintRepo, "init", "-q", "-b", "main"])
        _ = try Main.measure(git, ["-C", blueprintRepo, "add", "-A"])
        _ = try Main.measure(git, ["-C", blueprintRepo, "commit", "-q", "-m", "Blueprint"])
        let ops = work.appendingPathComponent("ops.git").path, infra = work.appendingPathComponent("infra.git").path
        for repository in [ops, infra] { _ = try Main.measure(git, ["init", "-q", "--bare", "-b", "main", repository]) }
        let blueprint = blueprintRepo + "/blueprints/galaxy.yaml"
        _ = try Main.measure(scaffold, ["generate", blueprint, "--ops-repo", ops, "--infra-repo", infra, "--branch", "main", "--author", identity])
        func bump(_ run: Int) throws -> Double {
            let digest = "sha256:" + String(repeating: String(format: "%02x", 0x10 + run % 200), count: 32)
            return try Main.measure(scaffold, [
                "bump", "frontend", "--env", "staging", "--digest", digest, "--blueprint", blueprint,
                "--ops-repo", ops, "--infra-repo", infra, "--branch", "main", "--author", identity, "--format", "json",
            ]).seconds
        }
        // The peer: work trees of the same repositories, where git makes the same two commits.
        let peerBlueprint = work.appendingPathComponent("peer-blueprint").path, peerOps = work.appendingPathComponent("peer-ops").path
        _ = try Main.measure(git, ["clone", "-q", blueprintRepo, peerBlueprint])
        _ = try Main.measure(git, ["clone", "-q", ops, peerOps])
        func peer(_ tree: String) throws -> Double {
            // Not timed: bring the work tree's files to scaffold's new commit, index and HEAD left behind.
            _ = try Main.measure(git, ["-C", tree, "fetch", "-q", "origin", "main"])
            _ = try Main.measure(git, ["-C", tree, "checkout", "-q", "FETCH_HEAD", "--", "."])
            _ = try Main.measure(git, ["-C", tree, "reset", "-q"])
            let seconds = try Main.measure(git, ["-C", tree, "commit", "-qam", "Bump"]).seconds
            _ = try Main.measure(git, ["-C", tree, "reset", "-q", "--hard", "FETCH_HEAD"])
            return seconds
        }
        var bumps: [Double] = [], peers: [Double] = []
        for run in 0..<max(runs, 5) {
            bumps.append(try bump(run))
            peers.append(try peer(peerBlueprint) + peer(peerOps))
        }
        let again = try bump(0)  // the first digest again: "already at"
        print(String(format: "bump to committed (example blueprint, blueprint + ops repositories, onto main): median %.1f ms over %d runs (min %.1f, max %.1f); repeated bump (already at): %.1f ms",
                     median(bumps) * 1000, bumps.count, bumps.min()! * 1000, bumps.max()! * 1000, again * 1000))
        print(String(format: "git commit -qam, the same two commits (blueprint + ops work trees, commit only): median %.1f ms; ratio scaffold bump / git: %.2f",
                     median(peers) * 1000, median(bumps) / median(peers)))

        // The same bump against remotes on loopback.
        let remote = try RemoteBench.run(scaffold: scaffold, git: git, blueprintRepo: blueprintRepo, ops: ops, infra: infra,
                                         work: work.appendingPathComponent("remote"), runs: max(runs, 5))
        print(String(format: "bump on git:// remotes (git daemon on loopback: fetch both, commit, push both): median %.1f ms over %d runs; %.1f ms more than the local bump (fetch + push)",
                     remote * 1000, max(runs, 5), (remote - median(bumps)) * 1000))

        // Committing the synthetic platform.
        let synthetic = try SyntheticBlueprint.write(
            to: work.appendingPathComponent("synthetic"), organizations: options["--organizations"]!,
            regions: options["--regions"]!, services: options["--services"]!)
        var scaffoldTimes: [Double] = [], cliTimes: [Double] = []
        var files = 0
        for run in 0..<runs {
            let base = work.appendingPathComponent("commit-\(run)")
            let ops = base.appendingPathComponent("ops.git").path, infra = base.appendingPathComponent("infra.git").path
            for repository in [ops, infra] { _ = try Main.measure(git, ["init", "-q", "--bare", "-b", "main", repository]) }
            scaffoldTimes.append(try Main.measure(scaffold, [
                "generate", synthetic, "--ops-repo", ops, "--infra-repo", infra, "--branch", "main", "--author", identity,
            ]).seconds)

            // The same trees with the git CLI: render to a folder (not timed), then add and commit.
            let out = base.appendingPathComponent("out")
            _ = try Main.measure(scaffold, ["generate", synthetic, "--out", out.path])
            var cli = 0.0
            for role in ["ops", "infra"] {
                let tree = out.appendingPathComponent(role).path
                _ = try Main.measure(git, ["-C", tree, "init", "-q", "-b", "main"])
                cli += try Main.measure(git, ["-C", tree, "add", "-A"]).seconds
                cli += try Main.measure(git, ["-C", tree, "commit", "-q", "-m", "Generate"]).seconds
                if run == 0 { files += Main.count(URL(fileURLWithPath: tree)).files }
            }
            cliTimes.append(cli)
            try? FileManager.default.removeItem(at: base)
        }
        let ours = median(scaffoldTimes), theirs = median(cliTimes)
        print("synthetic platform: \(options["--organizations"]!) organizations, \(options["--regions"]!) regions, \(options["--services"]!) services (\(files) files in the two work trees, .git included)")
        print(String(format: "scaffold generate --ops-repo --infra-repo (render + commit): median %.3f s over %d runs", ours, runs))
        print(String(format: "git add -A && git commit, ops + infra (commit only, same trees): median %.3f s over %d runs", theirs, runs))
        print(String(format: "ratio scaffold / git CLI: %.2f (%@)", ours / theirs, ours < theirs ? "scaffold faster, target met" : "git CLI faster, target MISSED"))
        print(String(format: "targets: bump %@ (<= 50 ms), commit %@ (faster than the git CLI)",
                     median(bumps) <= 0.05 ? "met" : "MISSED", ours < theirs ? "met" : "MISSED"))
    }

    /// The example blueprint, its pins and the overlays beside it, as a blueprint repository holds them.
    static func copyExample(_ example: String, to repository: String) throws {
        let blueprint = URL(fileURLWithPath: example)
        let stem = blueprint.deletingPathExtension().lastPathComponent
        let root = blueprint.deletingLastPathComponent().deletingLastPathComponent()
        let manager = FileManager.default
        try manager.createDirectory(atPath: repository + "/blueprints", withIntermediateDirectories: true)
        try manager.copyItem(atPath: example, toPath: repository + "/blueprints/galaxy.yaml")
        let pins = blueprint.deletingLastPathComponent().appendingPathComponent("\(stem).pins.yaml").path
        if manager.fileExists(atPath: pins) { try manager.copyItem(atPath: pins, toPath: repository + "/blueprints/galaxy.pins.yaml") }
        let overlays = root.appendingPathComponent("overlays").path
        if manager.fileExists(atPath: overlays) { try manager.copyItem(atPath: overlays, toPath: repository + "/overlays") }
    }

    static func locate(_ tool: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchError("\(tool) is not on PATH")
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}

/// `scaffold bump` against `git://` remotes served by `git daemon` on a free loopback port.
enum RemoteBench {
    /// The median seconds of a remote bump straight onto main.
    static func run(scaffold: String, git: String, blueprintRepo: String, ops: String, infra: String, work: URL, runs: Int) throws -> Double {
        let served = work.appendingPathComponent("served").path
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        _ = try Main.measure(git, ["clone", "-q", "--bare", blueprintRepo, served + "/blueprint.git"])
        _ = try Main.measure(git, ["clone", "-q", "--bare", ops, served + "/ops.git"])
        let port = try LoopbackPort.free()
        let execPath = try capture(git, ["--exec-path"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // git-daemon itself (the `git daemon` wrapper does not pass SIGTERM on), in its own group.
        let daemon = try ChildProcess.spawn(
            execPath + "/git-daemon", ["--base-path=\(served)", "--export-all", "--enable=receive-pack", "--reuseaddr",
                                       "--listen=127.0.0.1", "--port=\(port)", served],
            environment: ProcessInfo.processInfo.environment, output: work.appendingPathComponent("git-daemon.log"), name: "git-daemon")
        defer {
            kill(-daemon.pid, SIGTERM)
            while daemon.isRunning { usleep(10_000) }
        }
        var waited = 0
        while !LoopbackPort.isListening(port), waited < 200 {
            usleep(25_000)
            waited += 1
        }
        let base = "git://127.0.0.1:\(port)"
        let cache = work.appendingPathComponent("cache").path
        var times: [Double] = []
        for run in 0...runs {
            let digest = "sha256:" + String(repeating: String(format: "%02x", 0x80 + run % 100), count: 32)
            let seconds = try Main.measure(scaffold, [
                "bump", "backend-api", "--env", "staging", "--digest", digest, "--blueprint-repo", base + "/blueprint.git",
                "--blueprint", "blueprints/galaxy.yaml", "--ops-repo", base + "/ops.git", "--branch", "main",
                "--author", GitBench.identity, "--cache", cache, "--format", "json",
            ]).seconds
            if run > 0 { times.append(seconds) }  // the first run fills the cache
        }
        let pushed = try capture(git, ["-C", served + "/blueprint.git", "rev-list", "--count", "main"])
        guard Int(pushed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > runs else {
            throw BenchError("the remote bumps did not reach the served blueprint repository")
        }
        return GitBench.median(times)
    }

    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
