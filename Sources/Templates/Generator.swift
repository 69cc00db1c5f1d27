import BlueprintModel
import Renderer

/// Translates a loaded blueprint into the complete output plan. Pure: no I/O.
public enum Generator {
    public static func plan(for loaded: LoadedBlueprint) -> OutputPlan {
        var files: [RenderedFile] = []
        files += TenantNamespaces.files(for: loaded)
        files += GitOpsTree.files(for: loaded)
        files += ClusterOverlays.files(for: loaded)
        files += TerraformTranslator.files(for: loaded)
        files += DatabaseMigrations.files().map { RenderedFile(.ops, $0.path, $0.contents) }
        return OutputPlan(files: files)
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
