import Foundation
import PolicyAudit
import ScaffoldCore
import Testing
import TestSupport

/// The pipeline `scaffold` itself uses.
let pipeline = AuditPipeline(
    load: { path, overlays in try Pipeline.load(blueprint: path, overlays: overlays) },
    render: { Pipeline.render($0) }, contentHash: { Pipeline.contentHash($0) },
    generatorVersion: ScaffoldVersion.current)

/// The example blueprint and what it renders to, loaded once per process.
enum Galaxy {
    static let root = TestTools.packageRoot
    static let blueprint = root.appendingPathComponent("blueprints/galaxy.yaml").path
    static let pins = root.appendingPathComponent("blueprints/galaxy.pins.yaml").path
    static let overlays = root.appendingPathComponent("overlays").path

    static let subject: Result<AuditSubject, any Error> = Result { try pipeline.subject(blueprint: blueprint, overlays: overlays) }

    static func load() throws -> AuditSubject { try subject.get() }
}

/// A writable copy of the example: `blueprints/galaxy.yaml`, its pins and `overlays/`,
/// edited by exact text replacement (an edit that matches nothing fails the test).
struct GalaxyCopy {
    let directory: TemporaryDirectory
    var root: URL { directory.url }
    var blueprint: String { root.appendingPathComponent("blueprints/galaxy.yaml").path }
    var pins: String { root.appendingPathComponent("blueprints/galaxy.pins.yaml").path }
    var overlays: String { root.appendingPathComponent("overlays").path }

    init() throws {
        directory = try TemporaryDirectory(prefix: "scaffold-audit")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("blueprints"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: Galaxy.blueprint, toPath: blueprint)
        try fm.copyItem(atPath: Galaxy.pins, toPath: pins)
        try fm.copyItem(atPath: Galaxy.overlays, toPath: overlays)
    }

    /// Replaces `old` with `new` in a file of the copy, exactly once.
    func edit(_ path: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let count = text.components(separatedBy: old).count - 1
        try #require(count == 1, "expected exactly one `\(old)` in \(path), found \(count)", sourceLocation: sourceLocation)
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
    }

    func subject(label: String) throws -> AuditSubject {
        try pipeline.subject(blueprint: blueprint, overlays: overlays, label: label)
    }

    /// The 1-based line and column of the first occurrence of `text` in a file.
    func position(of text: String, in path: String) throws -> (line: Int, column: Int) {
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        for (index, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: text) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        Issue.record("`\(text)` not found in \(path)")
        return (0, 0)
    }
}

/// Runs the git CLI in a test (the product reads git only through libgit2).
@discardableResult
func git(_ arguments: [String], in directory: String) throws -> String {
    let result = try TestTools.run("git", ["-C", directory] + arguments, environment: [
        "GIT_AUTHOR_NAME": "Audit Test", "GIT_AUTHOR_EMAIL": "audit@scaffold.invalid",
        "GIT_COMMITTER_NAME": "Audit Test", "GIT_COMMITTER_EMAIL": "audit@scaffold.invalid",
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    ])
    try #require(result.succeeded, "git \(arguments.joined(separator: " ")): \(result.stderr)")
    return result.stdout
}
