import ArgumentParser
import BlueprintModel
import BringUp
import Foundation
import Renderer
import ScaffoldCore

/// `scaffold verify BLUEPRINT`: renders every cluster (overlay + each Application's chart
/// with the generated values) and simulates its first Argo CD sync from the bootstrap.
/// Exit 1 on findings.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove each cluster finishes its first sync: charts rendered with our values, Argo CD and admission simulated.")

    @OptionGroup var options: BlueprintOptions

    @Option(help: "A folder of <name>-<version>/ chart directories (default: Helm's repositories and cache).")
    var charts: String?

    @Option(help: "A renderer command taking CHART_DIR --values F --release NAME --namespace NS [--include-crds] [--skip-tests] [--api-versions GV] (default: helm template).")
    var renderer: String?

    @Option(help: "Only these clusters (<environment>-<region>), comma-separated.")
    var cluster: String?

    @Option(help: "text, json or sarif.")
    var format: BringUpReport.Format = .text

    func run() throws {
        let loaded = try Pipeline.load(blueprint: options.blueprint, overlays: options.overlays)
        let tool: ChartRenderer.Tool
        if let renderer {
            tool = .command(renderer)
        } else if let helm = ChartRenderer.helmOnPath() {
            tool = .helm(helm)
        } else {
            throw CommandFailure(code: 1, message: "no chart renderer: install helm, or pass --renderer CMD (for example ../shared/tools/render-chart) with --charts DIR")
        }
        let clusters = try Verify.run(loaded, renderer: ChartRenderer(tool: tool, chartsDirectory: charts),
                                      clusters: cluster.map { $0.split(separator: ",").map(String.init) })
        print(BringUpReport.render(clusters, as: format), terminator: "")
        let count = clusters.reduce(0) { $0 + $1.findings.count }
        if count > 0 { throw CommandFailure(code: 1, message: "") }
    }
}

extension BringUpReport.Format: ExpressibleByArgument {}
