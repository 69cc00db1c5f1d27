import BlueprintModel
import Dispatch
import Renderer
import Synchronization

/// Translates a loaded blueprint into the complete output plan. Pure: no I/O.
public enum Generator {
    /// The generator's version (``ScaffoldVersion`` in ScaffoldCore reads it): recorded in
    /// commit trailers, and the tag CI builds scaffold and platform-api from.
    public static let version = "0.1.0"

    /// Every translator runs as its own job (the GitOps tree one per cluster), spread over
    /// the machine's cores; the plan sorts the files, so the result does not depend on
    /// which job finishes first.
    public static func plan(for loaded: LoadedBlueprint) -> OutputPlan {
        var jobs: [@Sendable () -> [RenderedFile]] = [
            { TenantNamespaces.files(for: loaded) },
            { ClusterOverlays.files(for: loaded) },
            { TerraformTranslator.files(for: loaded) },
            { DatabaseMigrations.files().map { RenderedFile(.ops, $0.path, $0.contents) } },
        ]
        for context in ClusterContext.all(loaded) {
            jobs.append { GitOpsTree.files(for: context) }
        }
        let files = concurrentMap(jobs) { $0() }.flatMap { $0 }
        let workflows = RepositoryWorkflows.files(for: loaded, infra: files.filter { $0.repository == .infra }, generatorVersion: version)
        return OutputPlan(files: files + workflows)
    }

    /// `transform` applied to every element on all cores, results in the elements' order.
    static func concurrentMap<Element: Sendable, Result: Sendable>(
        _ elements: [Element], _ transform: @Sendable (Element) -> Result
    ) -> [Result] {
        let results = Mutex<[Int: Result]>([:])
        DispatchQueue.concurrentPerform(iterations: elements.count) { index in
            let result = transform(elements[index])
            results.withLock { $0[index] = result }
        }
        return results.withLock { results in elements.indices.map { results[$0]! } }
    }
}

/// `cluster/overlays/<environment>-<region>/kustomization.yaml`: everything one
/// cluster runs (base, apps, data, ops, tenants). Argo CD's root Application for that
/// cluster syncs it; sync waves order what it contains.
public enum ClusterOverlays {
    public static func directory(_ scope: ClusterScope) -> String { "cluster/overlays/\(scope.name)" }

    public static func files(for loaded: LoadedBlueprint) -> [RenderedFile] {
        let builder = YAMLFileBuilder(blueprintName: loaded.blueprintName)
        return ClusterContext.all(loaded).map { context in
            let scope = context.scope
            var resources = ["../../base/\(scope.name)", "../../ops/\(scope.name)", "../../tenants/\(scope.name)"]
            if !context.services.isEmpty { resources.append("../../apps/\(scope.name)") }
            if !context.dataStores.isEmpty { resources.append("../../data/\(scope.name)") }
            return builder.kustomization(directory(scope), resources: resources, extra: [
                ("labels", [.map([
                    ("pairs", .sortedStrings([Labels.environment: scope.environment, Labels.region: scope.region])),
                    ("includeSelectors", false),
                ])]),
            ])
        }
    }
}
