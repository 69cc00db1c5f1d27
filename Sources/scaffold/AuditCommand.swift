import ArgumentParser
import BlueprintModel
import Foundation
import PolicyAudit
import ScaffoldCore

/// `scaffold audit [REV]`: the access matrix and the invariant checks of one revision
/// (or of the working files), and with `--evidence DIR` the evidence bundle
/// (`evidence.json`, `evidence.md`) and the HTML report. Exit 1 when a check fails.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check access invariants of one revision and write change evidence.")

    @Argument(help: "A revision of the blueprint repository, or a blueprint file (default: the working files).")
    var revision: String?

    @Option(help: "The blueprint repository, for a revision.")
    var repo: String = "."

    @Option(help: "The blueprint (a path inside the repository for a revision; default: the one blueprint found in blueprints/ or at the top).")
    var blueprint: String?

    @Option(help: "The overlays folder, for working files (default: overlays/ beside the blueprint, else ../overlays).")
    var overlays: String?

    @Option(help: "text, markdown, json, sarif, junit or html.")
    var format: AuditFormatter.Format = .text

    @Option(help: "Write evidence.json, evidence.md and report.html into this folder.")
    var evidence: String?

    func run() throws {
        let pipeline = AuditPipeline.scaffold
        let report: AuditReport
        do {
            let found = { () throws -> String in
                if let blueprint { return blueprint }
                let relative = try BlueprintDiscovery.find(in: repo)
                return revision == nil ? URL(fileURLWithPath: repo).appendingPathComponent(relative).path : relative
            }
            // `scaffold audit blueprints/x.yaml`: a file is the working files' blueprint, not a revision.
            var isDirectory: ObjCBool = false
            let file = revision.flatMap { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue ? $0 : nil }
            let subject = try file.map { try pipeline.subject(blueprint: $0, overlays: overlays) }
                ?? revision.map { try pipeline.subject(repository: repo, revision: $0, blueprint: found()) }
                ?? pipeline.subject(blueprint: found(), overlays: overlays)
            report = pipeline.audit(subject)
            if let evidence {
                let files = try AuditPipeline.writeEvidence(report, to: evidence)
                FileHandle.standardError.write(Data("wrote \(files.joined(separator: ", "))\n".utf8))
            }
        } catch let error as DiagnosticsError {
            throw error
        } catch {
            throw CommandFailure(code: 1, message: "\(error)")
        }
        print(AuditFormatter.render(report, as: format), terminator: "")
        if !report.passed {
            throw CommandFailure(code: 1, message: "\(report.summary.checksFailed) of \(report.checks.count) checks failed")
        }
    }
}
