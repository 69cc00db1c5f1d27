import BlueprintModel
import Renderer

/// Translates a loaded blueprint into the complete output plan. Pure: no I/O.
public enum Generator {
    public static func plan(for loaded: LoadedBlueprint) -> OutputPlan {
        var files: [RenderedFile] = []
        files += TenantNamespaces.files(for: loaded)
        files += ClusterOverlays.files(for: loaded)
        return OutputPlan(files: files)
    }
}

/// `cluster/overlays/<environment>-<region>/kustomization.yaml`: what one cluster
/// runs. Argo CD's root Application for that cluster points here.
public enum ClusterOverlays {
    public static func directory(_ scope: ClusterScope) -> String { "cluster/overlays/\(scope.name)" }

    public static func files(for loaded: LoadedBlueprint) -> [RenderedFile] {
        let builder = YAMLFileBuilder(blueprintName: loaded.blueprintName)
        return loaded.clusters.map { scope in
            builder.kustomization(directory(scope), resources: ["../../tenants/\(scope.name)"], extra: [
                ("labels", [.map([
                    ("pairs", .sortedStrings([Labels.environment: scope.environment, Labels.region: scope.region])),
                    ("includeSelectors", false),
                ])]),
            ])
        }
    }
}
