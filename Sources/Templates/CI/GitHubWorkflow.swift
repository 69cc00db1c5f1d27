import BlueprintModel
import Renderer

/// The building blocks of the generated GitHub Actions workflows, as YAML trees: jobs,
/// steps (actions only through ``ActionPins``), and the steps every scaffold-running job
/// shares. Scripts are lists of lines; a `scaffold` invocation is one line of its own, so
/// its flags can be checked against the CLI.
enum GitHubWorkflow {
    /// A workflow file's tree.
    static func workflow(name: String, on triggers: YAMLNode, permissions: [(String, String)], env: [(String, String)] = [],
                         jobs: [(String, YAMLNode)]) -> YAMLNode {
        var pairs: [(String, YAMLNode)] = [
            ("name", .string(name)),
            ("on", triggers),
            ("permissions", .map(permissions.map { ($0.0, .string($0.1)) })),
        ]
        if !env.isEmpty { pairs.append(("env", .map(env.map { ($0.0, .string($0.1)) }))) }
        pairs.append(("concurrency", .map([("group", "${{ github.workflow }}-${{ github.ref }}"), ("cancel-in-progress", false)])))
        pairs.append(("jobs", .map(jobs)))
        return .map(pairs)
    }

    /// A step running a pinned action.
    static func uses(_ pin: ActionPins.Pin, name: String, id: String? = nil, condition: String? = nil,
                     with inputs: [(String, YAMLNode)] = []) -> YAMLNode {
        var pairs: [YAMLNode.Pair] = [YAMLNode.Pair("name", .string(name))]
        if let id { pairs.append(YAMLNode.Pair("id", .string(id))) }
        if let condition { pairs.append(YAMLNode.Pair("if", .string(condition))) }
        pairs.append(YAMLNode.Pair("uses", .string("\(pin.action)@\(pin.commit)"), comment: pin.version))
        if !inputs.isEmpty { pairs.append(YAMLNode.Pair("with", .map(inputs))) }
        return .mapping(pairs)
    }

    /// A step running a shell script (bash, `set -euo pipefail`).
    static func run(_ name: String, _ lines: [String], id: String? = nil, condition: String? = nil,
                    env: [(String, String)] = [], workingDirectory: String? = nil) -> YAMLNode {
        var pairs: [(String, YAMLNode)] = [("name", .string(name))]
        if let id { pairs.append(("id", .string(id))) }
        if let condition { pairs.append(("if", .string(condition))) }
        if !env.isEmpty { pairs.append(("env", .map(env.map { ($0.0, .string($0.1)) }))) }
        if let workingDirectory { pairs.append(("working-directory", .string(workingDirectory))) }
        pairs.append(("run", .string(lines.joined(separator: "\n") + "\n")))
        return .map(pairs)
    }

    /// A job on the blueprint's runner, optionally in a container.
    static func job(_ name: String, _ ci: ContinuousIntegration, container: String? = nil, needs: [String] = [],
                    condition: String? = nil, environment: String? = nil, permissions: [(String, String)]? = nil,
                    outputs: [(String, String)] = [], strategy: YAMLNode? = nil, timeout: Int = 30, steps: [YAMLNode]) -> YAMLNode {
        var pairs: [(String, YAMLNode)] = [("name", .string(name))]
        if !needs.isEmpty { pairs.append(("needs", .sequence(needs.map { .string($0) }))) }
        if let condition { pairs.append(("if", .string(condition))) }
        pairs.append(("runs-on", .string(ci.runner)))
        if let environment { pairs.append(("environment", .string(environment))) }
        if let permissions { pairs.append(("permissions", .map(permissions.map { ($0.0, .string($0.1)) }))) }
        if let container { pairs.append(("container", .map([("image", .string(container))]))) }
        if let strategy { pairs.append(("strategy", strategy)) }
        if !outputs.isEmpty { pairs.append(("outputs", .map(outputs.map { ($0.0, .string($0.1)) }))) }
        pairs.append(("timeout-minutes", .int(timeout)))
        pairs.append(("steps", .sequence(steps)))
        return .map(pairs)
    }

    /// `actions/checkout` of this repository (or another, into `path`), without keeping the
    /// token in the clone unless a later step pushes.
    static func checkout(name: String = "Check out", repository: String? = nil, path: String? = nil, token: String? = nil,
                         fullHistory: Bool = false, keepCredentials: Bool = false) -> YAMLNode {
        var inputs: [(String, YAMLNode)] = []
        if let repository { inputs.append(("repository", .string(repository))) }
        if let path { inputs.append(("path", .string(path))) }
        if let token { inputs.append(("token", .string(token))) }
        if fullHistory { inputs.append(("fetch-depth", 0)) }
        inputs.append(("persist-credentials", .bool(keepCredentials)))
        return uses(ActionPins.checkout, name: name, with: inputs)
    }

    /// The secret holding a token that reads (and, for releases, pushes to) the ops and
    /// infra repositories and the blueprint repository from the ops workflow.
    static let gitTokenSecret = "SCAFFOLD_GIT_TOKEN"

    /// The tag scaffold's source is built at: this generator's version, so CI renders
    /// exactly what generated the output.
    static func scaffoldRef(_ version: String) -> String { "v\(version)" }

    /// Steps that build scaffold from its source at this generator's version inside the
    /// Swift container (``ActionPins/swiftImage``) and put it on PATH.
    static func installScaffold(_ ci: ContinuousIntegration, version: String, extraPackages: [String] = []) -> [YAMLNode] {
        let packages = (["git", "libgit2-dev", "libyaml-dev", "pkg-config"] + extraPackages).sorted()
        return [
            run("Install scaffold \(scaffoldRef(version))", [
                "apt-get update -qq",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \(packages.joined(separator: " "))",
                "git clone --quiet --depth 1 --branch \"$SCAFFOLD_REF\" \"$SCAFFOLD_SOURCE\" \"$RUNNER_TEMP/scaffold-source\"",
                "swift build -c release --product scaffold --package-path \"$RUNNER_TEMP/scaffold-source\"",
                "echo \"$RUNNER_TEMP/scaffold-source/.build/release\" >> \"$GITHUB_PATH\"",
                "git config --global --add safe.directory '*'",
            ], env: [("SCAFFOLD_SOURCE", ci.scaffoldSource), ("SCAFFOLD_REF", scaffoldRef(version))]),
        ]
    }

    /// Lines cloning a repository the workflow token cannot read (ops, infra, a blueprint
    /// elsewhere) with ``gitTokenSecret`` sent as an HTTP header, kept in the clone's
    /// config so a later push authenticates too. `TOKEN` must be in the step's environment.
    static func cloneLines(url: String, branch: String, into path: String, shallow: Bool) -> [String] {
        [
            "git clone --quiet\(shallow ? " --depth 1" : "") --branch \(shellWord(branch)) -c \"http.extraHeader=Authorization: Basic $(printf 'x-access-token:%s' \"$TOKEN\" | base64 -w0)\" \(shellWord(url)) \(shellWord(path))",
        ]
    }

    /// A word for bash: bare when it holds only safe characters, else single-quoted.
    static func shellWord(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,%")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `owner/name` when a git URL is a GitHub repository (pull requests open with `gh`).
    static func gitHubRepository(_ url: String) -> String? {
        for prefix in ["https://github.com/", "git@github.com:", "ssh://git@github.com/"] where url.hasPrefix(prefix) {
            var rest = String(url.dropFirst(prefix.count))
            if rest.hasSuffix(".git") { rest.removeLast(4) }
            let parts = rest.split(separator: "/")
            if parts.count == 2 { return rest }
        }
        return nil
    }
}
