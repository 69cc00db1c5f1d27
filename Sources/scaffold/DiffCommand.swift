import ArgumentParser
import BlueprintModel
import Foundation
import PolicyAudit
import ScaffoldCore

/// `scaffold diff --from REV --to REV`: what access a change widens or narrows, by
/// meaning (network, admission, RBAC, quotas, row-level security, residency, images),
/// each finding pointing at the blueprint line that caused it.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Report what access a blueprint change widens or narrows, by meaning.",
        discussion: """
            --from and --to are revisions of the blueprint repository (HEAD, main~1, a full commit id), read \
            through libgit2, or blueprint files. Exit 1 with --fail-on when a finding of that class exists.
            """)

    @Option(help: "The older side: a revision of the blueprint repository, or a blueprint file.")
    var from: String

    @Option(help: "The newer side: a revision of the blueprint repository, or a blueprint file.")
    var to: String

    @Option(help: "The blueprint repository, for revisions.")
    var repo: String = "."

    @Option(help: "The blueprint's path inside the repository, for revisions (default: the one blueprint found in blueprints/ or at the top).")
    var blueprint: String?

    @Option(help: "text, markdown, json, sarif or junit.")
    var format: DiffFormatter.Format = .text

    @Option(help: "Exit 1 when a finding of this class exists: widening, narrowing or any.")
    var failOn: FailOn?

    enum FailOn: String, ExpressibleByArgument, CaseIterable {
        case widening, narrowing, any
    }

    func run() throws {
        let pipeline = AuditPipeline.scaffold
        let start = ContinuousClock.now
        let report: DiffReport
        do {
            let blueprint = try blueprint ?? BlueprintDiscovery.find(in: repo)
            let old = try pipeline.subject(from, repository: repo, blueprint: blueprint)
            let new = try pipeline.subject(to, repository: repo, blueprint: blueprint)
            report = pipeline.diff(from: old, to: new)
        } catch let error as DiagnosticsError {
            throw error
        } catch {
            throw CommandFailure(code: 1, message: "\(error)")
        }
        print(DiffFormatter.render(report, as: format), terminator: "")
        Console.progress("diff took \(ContinuousClock.now - start)")
        let failing: Int = switch failOn {
        case .widening: report.summary.widening
        case .narrowing: report.summary.narrowing
        case .any: report.findings.count
        case nil: 0
        }
        if failing > 0 {
            throw CommandFailure(code: 1, message: "\(failing) \(failOn == .any ? "" : "\(failOn!.rawValue) ")finding\(failing == 1 ? "" : "s") (--fail-on \(failOn!.rawValue))")
        }
    }
}

extension DiffFormatter.Format: ExpressibleByArgument {}
extension AuditFormatter.Format: ExpressibleByArgument {}

extension AuditPipeline {
    /// The pipeline `scaffold generate` uses.
    static var scaffold: AuditPipeline {
        AuditPipeline(
            load: { path, overlays in try Pipeline.load(blueprint: path, overlays: overlays) },
            render: { Pipeline.render($0) }, contentHash: { Pipeline.contentHash($0) },
            generatorVersion: ScaffoldVersion.current)
    }
}
