import BlueprintModel
import Renderer

/// Everything a translator needs to render one cluster (one environment in one
/// region): the environment's view of the blueprint, narrowed to what runs there,
/// every list sorted so output never depends on declaration order.
public struct ClusterContext: Sendable {
    public var scope: ClusterScope
    public var blueprint: Blueprint
    public var environment: Environment
    public var region: Region
    /// The services, by name.
    public var services: [Service]
    /// The data stores deployed in this region, by name.
    public var dataStores: [DataStore]
    /// The organizations whose home region this is, by id.
    public var organizations: [Organization]
    /// The file name of the blueprint, for generated headers.
    public var blueprintName: String

    public init?(_ scope: ClusterScope, loaded: LoadedBlueprint) {
        let blueprint = loaded.view(scope.environment)
        guard let environment = blueprint.environment(scope.environment), let region = blueprint.region(scope.region) else { return nil }
        self.scope = scope
        self.blueprint = blueprint
        self.environment = environment
        self.region = region
        self.services = blueprint.services.sorted { $0.name < $1.name }
        self.dataStores = blueprint.dataStores(in: scope.region).sorted { $0.name < $1.name }
        self.organizations = blueprint.organizations.filter { $0.homeRegion == scope.region }.sorted { $0.id < $1.id }
        self.blueprintName = loaded.blueprintName
    }

    /// Every cluster of a blueprint.
    public static func all(_ loaded: LoadedBlueprint) -> [ClusterContext] {
        loaded.clusters.compactMap { ClusterContext($0, loaded: loaded) }
    }

    public var builder: YAMLFileBuilder { YAMLFileBuilder(blueprintName: blueprintName) }
    public var platform: String { blueprint.platform.name }

    /// The data store a service's dependency names, when it runs in this region.
    public func dataStore(_ name: String) -> DataStore? { dataStores.first { $0.name == name } }

    /// The replica range of a service here: the environment's override, else the service's own.
    public func replicas(of service: Service) -> ReplicaRange { environment.replicas ?? service.replicas }

    /// The image digest of a service here (the validator guarantees one exists).
    public func digest(of service: Service) -> String {
        blueprint.pins.digest(service: service.name, environment: scope.environment, region: scope.region) ?? ""
    }

    /// The labels every object of this cluster carries, plus the recommended
    /// `app.kubernetes.io/*` identity of the object's application.
    public func labels(name: String, component: String, instance: String? = nil) -> [String: String] {
        var labels = Labels.common(platform: platform)
        labels[Labels.name] = name
        labels[Labels.instance] = instance ?? name
        labels[Labels.component] = component
        labels[Labels.environment] = scope.environment
        labels[Labels.region] = scope.region
        return labels
    }

    /// Whether any data store here is PostgreSQL (the operator is installed only then).
    public var runsPostgreSQL: Bool { dataStores.contains { $0.kind == .postgresql } }
}

/// Argo CD sync waves: what the root Application creates first. Namespaces and
/// projects; the Prometheus Operator CRDs (every chart after them may enable its
/// ServiceMonitors); External Secrets, then every ExternalSecret (so the Secrets charts
/// read exist before the charts); the other components that install CRDs and
/// admission webhooks; policies (admission and network), data, and only then workloads.
public enum SyncWave {
    public static let namespaces = -20
    /// The Prometheus Operator CRDs, alone (`prometheus-operator-crds`).
    public static let monitoringCRDs = -19
    /// External Secrets: its CRDs and controller.
    public static let secretsOperator = -18
    /// The ClusterSecretStore every ExternalSecret reads through.
    public static let secretStore = -17
    /// Every ExternalSecret of the platform components and data stores.
    public static let secrets = -16
    public static let crdComponents = -15
    public static let policies = -10
    public static let data = -5
    public static let configuration = 0
    public static let migrations = 4
    public static let workloads = 5
    public static let monitoring = 10

    public static let annotation = "argocd.argoproj.io/sync-wave"
    public static let syncOptions = "argocd.argoproj.io/sync-options"

    /// Annotations placing an object in a wave, with extra sync options.
    public static func annotations(_ wave: Int, options: [String] = []) -> [String: String] {
        var annotations = [annotation: String(wave)]
        if !options.isEmpty { annotations[syncOptions] = options.joined(separator: ",") }
        return annotations
    }

    /// Custom resources whose CRD a component of the same sync installs: Argo CD must
    /// not fail the dry run before the CRD exists.
    public static let skipDryRun = "SkipDryRunOnMissingResource=true"
    /// Objects Argo CD must never delete when they disappear from Git.
    public static let noPrune = "Prune=false"
}
