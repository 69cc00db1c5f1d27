import Foundation

/// Renders a pinned Helm chart with values, as Argo CD's repo server does
/// (`helm template`, CRDs included, tests skipped; bringup-semantics §6).
///
/// Two tools: the `helm` CLI (`helm template RELEASE CHART --namespace NS --values F
/// --include-crds --skip-tests [--api-versions GV]…`), or a command the user names
/// with `--renderer` that takes `CHART_DIR --values F --release NAME --namespace NS
/// --include-crds --skip-tests [--api-versions GV]…` and prints the manifests
/// (`../shared/tools/render-chart` is one).
public struct ChartRenderer: Sendable {
    public enum Tool: Sendable, Equatable {
        /// The `helm` executable.
        case helm(String)
        /// A renderer command with the arguments above.
        case command(String)
    }

    public var tool: Tool
    /// A folder of `<name>-<version>/` chart directories; nil: Helm's own repositories and cache.
    public var chartsDirectory: String?

    public init(tool: Tool, chartsDirectory: String?) {
        self.tool = tool
        self.chartsDirectory = chartsDirectory
    }

    /// The `helm` on PATH, if any.
    public static func helmOnPath() -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/helm"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public struct RenderError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// One chart to render.
    public struct Request: Sendable, Hashable {
        public var repository: String
        public var chart: String
        public var version: String
        public var release: String
        public var namespace: String
        /// Values files' contents, later ones win.
        public var values: [String]
        public var apiVersions: [String]
    }

    /// The rendered manifests of one chart.
    public func render(_ request: Request) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var valueArguments: [String] = []
        for (index, values) in request.values.enumerated() {
            let file = scratch.appendingPathComponent("values-\(index).yaml")
            try Data(values.utf8).write(to: file)
            valueArguments += ["--values", file.path]
        }
        let common = ["--include-crds", "--skip-tests"] + request.apiVersions.flatMap { ["--api-versions", $0] }
        let chartPath: String?
        if let chartsDirectory {
            let folder = "\(chartsDirectory)/\(request.chart)-\(request.version)"
            guard FileManager.default.fileExists(atPath: "\(folder)/Chart.yaml") else {
                throw RenderError(message: "chart \(request.chart)@\(request.version) is pinned but \(folder) does not exist (--charts \(chartsDirectory))")
            }
            chartPath = folder
        } else {
            chartPath = nil
        }
        let executable: String, arguments: [String]
        switch tool {
        case .helm(let helm):
            executable = helm
            var chartArguments = [chartPath ?? request.chart]
            if chartPath == nil { chartArguments += ["--repo", request.repository, "--version", request.version] }
            arguments = ["template", request.release] + chartArguments + ["--namespace", request.namespace] + valueArguments + common
        case .command(let command):
            guard let chartPath else {
                throw RenderError(message: "--renderer needs --charts DIR (a folder of <name>-<version>/ charts)")
            }
            executable = command
            arguments = [chartPath] + valueArguments + ["--release", request.release, "--namespace", request.namespace] + common
        }
        return try Self.run(executable, arguments, scratch: scratch, what: "\(request.chart)@\(request.version)")
    }

    static func run(_ executable: String, _ arguments: [String], scratch: URL, what: String) throws -> String {
        let output = scratch.appendingPathComponent("stdout"), errors = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        do { try process.run() } catch {
            throw RenderError(message: "cannot run \(executable): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let stderr = ((try? String(contentsOf: errors, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw RenderError(message: "\(what) does not render: \(stderr.isEmpty ? "exit \(process.terminationStatus)" : stderr)")
        }
        return stdout
    }
}
