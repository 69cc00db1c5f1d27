import Foundation
import ScaffoldCore

#if canImport(Glibc)
import Glibc
#endif

/// `scaffold-bench`: synthesises a large blueprint and prints figures for
/// `scaffold generate` (wall time, peak memory, files, bytes). Figures, not a
/// timed test. Run it from a release build:
///
///     swift build -c release --product scaffold && swift build -c release --product scaffold-bench
///     (one product per command: SwiftPM builds only the last `--product` given)
///     .build/release/scaffold-bench [--organizations 1000] [--regions 4] [--services 20] [--runs 3]
///
/// `scaffold-bench git [--runs 3] [--example blueprints/galaxy.yaml]` prints the git
/// delivery figures instead (see `GitBench`).
@main
enum Main {
    static func main() throws {
        var options = ["--organizations": 1000, "--regions": 4, "--services": 20, "--runs": 3]
        var arguments = CommandLine.arguments.dropFirst()
        var keep: String?
        let gitMode = arguments.first == "git"
        if gitMode { arguments.removeFirst() }
        var example = "blueprints/galaxy.yaml"
        while let flag = arguments.popFirst() {
            if flag == "--write-blueprint", let directory = arguments.popFirst() {
                keep = directory
                continue
            }
            if flag == "--example", let path = arguments.popFirst() {
                example = path
                continue
            }
            guard options[flag] != nil, let value = arguments.popFirst().flatMap(Int.init) else {
                FileHandle.standardError.write(Data("usage: scaffold-bench [git] [--organizations N] [--regions N] [--services N] [--runs N] [--write-blueprint DIR] [--example BLUEPRINT]\n".utf8))
                exit(1)
            }
            options[flag] = value
        }
        if let keep {
            // Only write the synthetic blueprint (to profile or reproduce a run).
            let path = try SyntheticBlueprint.write(
                to: URL(fileURLWithPath: keep), organizations: options["--organizations"]!,
                regions: options["--regions"]!, services: options["--services"]!)
            print(path)
            return
        }
        let scaffold = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("scaffold").path
        guard FileManager.default.isExecutableFile(atPath: scaffold) else {
            FileHandle.standardError.write(Data("scaffold-bench: build `scaffold` first (\(scaffold) is missing)\n".utf8))
            exit(1)
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        if gitMode {
            guard FileManager.default.fileExists(atPath: example) else {
                FileHandle.standardError.write(Data("scaffold-bench: \(example) is missing (run from the package root, or pass --example)\n".utf8))
                exit(1)
            }
            try GitBench.run(scaffold: scaffold, options: options, example: example, work: work)
            return
        }
        let blueprint = try SyntheticBlueprint.write(
            to: work.appendingPathComponent("in"), organizations: options["--organizations"]!,
            regions: options["--regions"]!, services: options["--services"]!)
        print("blueprint: \(options["--organizations"]!) organizations, 3 environments, \(options["--regions"]!) regions, \(options["--services"]!) services")

        var coldTimes: [Double] = []
        var peak = 0
        var files = 0, bytes = 0
        for run in 0..<options["--runs"]! {
            let out = work.appendingPathComponent("out-\(run)")
            let measurement = try measure(scaffold, ["generate", blueprint, "--out", out.path])
            coldTimes.append(measurement.seconds)
            peak = max(peak, measurement.peakKiB)
            (files, bytes) = count(out)
        }
        let rerun = try measure(scaffold, ["generate", blueprint, "--out", work.appendingPathComponent("out-0").path])
        let median = coldTimes.sorted()[coldTimes.count / 2]
        print(String(format: "generate (fresh folder): median %.3f s over %d runs (min %.3f, max %.3f)", median, coldTimes.count, coldTimes.min()!, coldTimes.max()!))
        print(String(format: "generate (unchanged, re-run): %.3f s", rerun.seconds))
        print(String(format: "peak memory: %.1f MB", Double(max(peak, rerun.peakKiB)) / 1024))
        print("files written: \(files) (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB)")
        if ProcessInfo.processInfo.environment["SCAFFOLD_BENCH_SKIP_KUSTOMIZE"] == nil {
            // The same run's output, built overlay by overlay with `kubectl kustomize`.
            let figures = try KustomizeRatio.measure(scaffoldSeconds: median, outputDirectory: work.appendingPathComponent("out-0").path)
            print(figures.summary)
        }
        print(String(format: "targets: time %@ (<= 2 s), memory %@ (<= 300 MB)",
                     median <= 2 ? "met" : "MISSED", Double(peak) / 1024 <= 300 ? "met" : "MISSED"))
    }

    /// Runs a command; returns its wall time and its peak resident memory (from wait4's rusage).
    static func measure(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, peakKiB: Int) {
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        let start = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, executable, &fileActions, nil, argv, environ) == 0 else { throw BenchError("cannot start \(executable)") }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw BenchError("wait4 failed") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == 0 else { throw BenchError("\(executable) \(arguments.joined(separator: " ")) exited with \(status)") }
        return (seconds, usage.ru_maxrss)
    }

    static func count(_ root: URL) -> (files: Int, bytes: Int) {
        var files = 0, bytes = 0
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { files += 1; bytes += values?.fileSize ?? 0 }
        }
        return (files, bytes)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
