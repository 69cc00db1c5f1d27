import Foundation

/// The outcome of running an external program in a test.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var succeeded: Bool { status == 0 }
}

/// Runs external programs (kubectl, terraform, validate-manifests, git for `fsck`)
/// from tests, and locates the repository and `../shared`.
public enum TestTools {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared` beside the project.
    public static var sharedRoot: URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// True when running under CI (`CI=true`): a missing external checker is a failure there.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Finds an executable on PATH.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, capturing output. `executable` may be a bare name looked up on PATH.
    @discardableResult
    public static func run(
        _ executable: String,
        _ arguments: [String],
        cwd: URL? = nil,
        stdin: String? = nil,
        environment: [String: String]? = nil
    ) throws -> ProcessResult {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
        } else if let found = which(executable) {
            process.executableURL = URL(fileURLWithPath: found)
        } else {
            throw ToolMissing(name: executable)
        }
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(Data(stdin.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = readToEnd(errPipe.fileHandleForReading) }
        errThread.start()
        let outData = readToEnd(outPipe.fileHandleForReading)
        process.waitUntilExit()
        while !errThread.isFinished { usleep(1000) }
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Everything until end of file. Foundation's `readDataToEndOfFile()` traps when a
    /// signal interrupts its `read` (EINTR), which happens while other tests signal their
    /// servers; this retries instead.
    static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// Returns true when `tool` is available. When it is not: under CI this throws
    /// (a missing checker is a failure, never a silent skip); locally it returns false
    /// so the caller can skip with a recorded reason.
    public static func require(_ tool: String) throws -> Bool {
        if which(tool) != nil || FileManager.default.isExecutableFile(atPath: tool) { return true }
        if isCI { throw ToolMissing(name: tool) }
        return false
    }
}

public struct ChartRenderFailed: Error, CustomStringConvertible {
    public var chart: String
    public var message: String
    public var description: String { "render-chart could not render \(chart): \(message)" }
}

public struct ToolMissing: Error, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "required tool `\(name)` is not installed (run scripts/install-deps.sh)" }
}

/// A temporary folder removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public init(prefix: String = "scaffold-test") throws {
        let base = FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public var path: String { url.path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

extension TestTools {
    /// The folder holding the built products (`scaffold`, `platform-api`), whatever
    /// scratch path the tests were built with.
    public static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" {  // an .xctest bundle on macOS
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return directory
    }

    /// The built `scaffold` executable.
    public static var scaffoldExecutable: String {
        productsDirectory.appendingPathComponent("scaffold").path
    }

    /// Runs the manifest validator on YAML text (`-`) or paths; returns its result.
    public static func validateManifests(stdin: String? = nil, paths: [String] = ["-"], crds: [URL] = []) throws -> ProcessResult {
        let tool = sharedRoot.appendingPathComponent("tools/validate-manifests").path
        return try run("python3", [tool] + crds.flatMap { ["--crds", $0.path] } + paths, stdin: stdin)
    }

    /// The CustomResourceDefinitions a pinned chart (`../shared/charts/<directory>`) renders
    /// with `values`, written to a file in `folder`: for `validateManifests(crds:)`, so custom
    /// resources scaffold writes for a chart (cert-manager's ClusterIssuer) are checked
    /// against the very CRDs that chart installs.
    public static func chartCRDs(_ directory: String, release: String, namespace: String, values: String, in folder: URL) throws -> URL {
        let valuesFile = folder.appendingPathComponent("\(release)-crds.values.yaml")
        try values.write(to: valuesFile, atomically: true, encoding: .utf8)
        let result = try run("python3", [
            sharedRoot.appendingPathComponent("tools/render-chart").path, sharedRoot.appendingPathComponent("charts/\(directory)").path,
            "--values", valuesFile.path, "--release", release, "--namespace", namespace, "--include-crds",
        ])
        guard result.succeeded else { throw ChartRenderFailed(chart: directory, message: result.stderr) }
        // render-chart starts every document with `---`.
        let crds = result.stdout.components(separatedBy: "\n---").filter { $0.contains("\nkind: CustomResourceDefinition") }
        guard !crds.isEmpty else { throw ChartRenderFailed(chart: directory, message: "no CustomResourceDefinition rendered") }
        let file = folder.appendingPathComponent("\(release)-crds.yaml")
        try crds.map { "---" + $0 }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
