public import BlueprintModel
import BringUp
import Foundation
import Templates

/// What `scaffold ci` wrote.
public struct BlueprintCIReport: Codable, Sendable {
    /// The blueprint repository's folder.
    public var output: String
    /// The blueprint's path inside it, as the workflows name it.
    public var blueprintPath: String
    /// Paths written (new or changed), relative to `output`, sorted.
    public var written: [String]
    /// Paths already up to date.
    public var unchanged: [String]
}

/// The blueprint repository's CI files (``BlueprintRepositoryFiles``), written into the
/// repository's folder by `scaffold ci` and `scaffold init`. They are scaffold's: each run
/// rewrites them from the blueprint, like `blueprint.schema.json`.
public enum BlueprintCI {
    /// Loads the blueprint and writes its repository's CI files into `output` (the
    /// repository's top folder, which must hold the blueprint).
    public static func write(blueprint: String, overlays: String? = nil, output: String) throws -> BlueprintCIReport {
        let loaded = try Pipeline.load(blueprint: blueprint, overlays: overlays)
        let root = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath()
        let file = URL(fileURLWithPath: blueprint).standardizedFileURL.resolvingSymlinksInPath()
        let location = loaded.base.ci?.location ?? SourceLocation(file: blueprint, line: 1, column: 1)
        guard file.path.hasPrefix(root.path + "/") else {
            throw DiagnosticsError([.error("\(blueprint) is not inside \(output), the blueprint repository the CI files are for", at: location,
                                           hint: "run `scaffold ci` with --output naming the repository's top folder")])
        }
        let relative = String(file.path.dropFirst(root.path.count + 1))
        guard let ci = loaded.base.ci else {
            throw DiagnosticsError([.error("the blueprint has no `ci:` section", at: location,
                                           hint: "add `ci: {repository: OWNER/NAME, scaffoldSource: GIT-URL}` (docs/blueprint.md, \"CI\")")])
        }
        let declared = RepositoryWorkflows.blueprintPath(loaded.base, ci)
        if declared != relative {
            throw DiagnosticsError([.error("ci.blueprintPath is `\(declared)`, but the blueprint is at `\(relative)` in \(output)",
                                           at: ci.fieldLocations["blueprintPath"] ?? ci.location,
                                           hint: "set `ci.blueprintPath: \(relative)` (the ops workflow checks that path out)")])
        }
        if PlatformAPIImage.service(in: loaded.base) != nil, case .keyless(let issuer, let subject)? = loaded.base.policy.signing {
            // The release must be admitted by the policy generated from the same blueprint.
            let identity = BlueprintRepositoryFiles.signingIdentity(ci, tag: "v1.0.0")
            if issuer != identity.issuer || !Wildcard.matches(subject, identity.subject) {
                throw DiagnosticsError([.error(
                    "platform-api's release signs as \(identity.subject) (issuer \(identity.issuer)), which policy.cosign (\(subject), issuer \(issuer)) does not admit",
                    at: ci.fieldLocations["repository"] ?? ci.location,
                    hint: "set policy.cosign to issuer \(identity.issuer) and a subject matching it, e.g. `https://github.com/\(ci.owner)/*`")])
            }
        }
        let files = BlueprintRepositoryFiles.files(loaded.base, blueprintPath: relative, blueprintName: loaded.blueprintName,
                                                   generatorVersion: ScaffoldVersion.current)
        var written: [String] = [], unchanged: [String] = []
        for (path, contents) in files {
            let target = root.appendingPathComponent(path)
            let data = Data(contents.utf8)
            if (try? Data(contentsOf: target)) == data {
                unchanged.append(path)
                continue
            }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: target, options: .atomic)
            written.append(path)
        }
        return BlueprintCIReport(output: output, blueprintPath: relative, written: written.sorted(), unchanged: unchanged.sorted())
    }
}
