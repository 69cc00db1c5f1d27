public import BlueprintModel
public import BringUp

/// `scaffold verify`: the bring-up simulation over a blueprint's rendered ops tree.
public enum Verify {
    public struct UnknownCluster: Error, CustomStringConvertible {
        public var name: String
        public var known: [String]
        public var description: String { "no cluster \(name) (clusters: \(known.joined(separator: ", ")))" }
    }

    public static func simulation(_ loaded: LoadedBlueprint, renderer: ChartRenderer, admission: (any AdmissionEvaluator)? = KyvernoAdmission()) -> BringUpSimulation {
        let plan = Pipeline.render(loaded)
        let files = Dictionary(plan.files(in: .ops).map { ($0.path, $0.contents) }, uniquingKeysWith: { first, _ in first })
        return BringUpSimulation(files: files, opsRepository: loaded.base.repositories.ops.url, renderer: renderer, admission: admission)
    }

    public static func run(_ loaded: LoadedBlueprint, renderer: ChartRenderer, clusters: [String]? = nil) throws -> [ClusterBringUp] {
        let simulation = simulation(loaded, renderer: renderer)
        if let clusters {
            for name in clusters where !simulation.clusters.contains(name) { throw UnknownCluster(name: name, known: simulation.clusters) }
        }
        return simulation.run(clusters: clusters)
    }
}
