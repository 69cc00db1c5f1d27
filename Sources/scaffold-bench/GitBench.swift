import Foundation
import ScaffoldCore

#if canImport(Glibc)
import Glibc
#endif

/// `scaffold-bench git`: the figures of git delivery (issue #5), each a real process run.
///
/// - bump to committed: `scaffold bump` on the example blueprint, from start to both
///   commits written (blueprint and ops repositories), the way a PR bot runs it;
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
                "--ops-repo", ops, "--infra-repo", infra, "--author", identity, "--format", "json",
            ]).seconds
        }
        let bumps = try (0..<max(runs, 5)).map(bump)
        let again = try bump(0)  // the first digest again: "already at"
        print(String(format: "bump to committed (example blueprint, blueprint + ops repositories): median %.1f ms over %d runs (min %.1f, max %.1f); repeated bump (already at): %.1f ms",
                     median(bumps) * 1000, bumps.count, bumps.min()! * 1000, bumps.max()! * 1000, again * 1000))

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
        print(String(format: "targets: bump %@ (<= 100 ms), commit %@ (faster than the git CLI)",
                     median(bumps) <= 0.1 ? "met" : "MISSED", ours < theirs ? "met" : "MISSED"))
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
