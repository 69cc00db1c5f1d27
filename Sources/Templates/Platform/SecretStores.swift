import BlueprintModel
import Renderer

/// How an operator (or the dev-local filler) makes the value of a secret-store key.
public enum SecretRecipe: Sendable, Hashable {
    /// Random bytes, hex-encoded (`openssl rand -hex N`): passwords, signing keys, user names.
    case random(bytes: Int)
    /// A host's TLS certificate chain (PEM), from the CA that issues its certificates.
    case certificate(host: String)
    /// The private key (PEM) of that certificate.
    case privateKey(host: String)
    /// The certificate (PEM) of the CA that issued that host's certificate: what its
    /// clients verify it with (`sslmode=verify-full`).
    case certificateAuthority(host: String)
    /// A value only its owner has (an outside service's API key, a cloud credential).
    case supplied

    /// The form kept in ``ExternalSecrets/recipesAnnotation``.
    public var annotation: String {
        switch self {
        case .random(let bytes): "random-hex:\(bytes)"
        case .certificate(let host): "certificate:\(host)"
        case .privateKey(let host): "private-key:\(host)"
        case .certificateAuthority(let host): "certificate-authority:\(host)"
        case .supplied: "supplied"
        }
    }

    public init?(annotation: String) {
        if annotation == "supplied" { self = .supplied; return }
        let parts = annotation.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "random-hex": guard let bytes = Int(parts[1]), bytes > 0 else { return nil }; self = .random(bytes: bytes)
        case "certificate": self = .certificate(host: parts[1])
        case "private-key": self = .privateKey(host: parts[1])
        case "certificate-authority": self = .certificateAuthority(host: parts[1])
        default: return nil
        }
    }
}

/// One entry of a cluster's secret store: a logical key (the same in every cluster,
/// e.g. `galaxy/data/postgres/migrator-password`) and how its value is made.
/// The store holds it below the cluster's scope, `<environment>/<region>/<path>`.
public struct SecretStoreKey: Sendable, Hashable {
    public var path: String
    public var recipe: SecretRecipe

    public init(_ path: String, _ recipe: SecretRecipe) {
        self.path = path
        self.recipe = recipe
    }

    /// A key of the platform's own credentials: `<platform>/<area>/<owner>/<item>`.
    public static func platform(_ context: ClusterContext, _ area: String, _ owner: String, _ item: String, _ recipe: SecretRecipe) -> SecretStoreKey {
        SecretStoreKey("\(context.platform)/\(area)/\(owner)/\(item)", recipe)
    }
}

/// The secret store of each cluster: the ClusterSecretStore External Secrets reads
/// through, and how every key is named in the provider behind it. One owner for
/// "which provider, which remote name", used by the ExternalSecrets, the store object,
/// External Secrets' chart values and `scaffold secrets`.
public enum SecretStores {
    /// The namespace of the in-cluster store (``SecretStoreProvider/kubernetes``).
    public static let clusterStoreNamespace = "secret-store"
    /// The service account External Secrets reads the in-cluster store as.
    public static let clusterStoreReader = "secret-store-reader"
    /// External Secrets' controller service account (the chart's default name).
    public static let controllerServiceAccount = "external-secrets"
    /// The field each value is kept under where a provider stores maps (Vault, the in-cluster store).
    public static let valueField = "value"

    public static func provider(_ context: ClusterContext) -> SecretStoreProvider {
        context.blueprint.secretStoreProvider(environment: context.environment, region: context.region)
    }

    /// The key in the store: scoped by environment and region.
    public static func scopedPath(_ key: SecretStoreKey, _ context: ClusterContext) -> String {
        "\(context.scope.environment)/\(context.scope.region)/\(key.path)"
    }

    /// How the provider names a key, and which field of it holds the value.
    /// Azure Key Vault, GCP Secret Manager and Kubernetes Secret names allow no `/`:
    /// there each `/` is spelled `--` (keys never contain `--`, so names stay unique).
    public static func remoteReference(_ key: SecretStoreKey, _ context: ClusterContext) -> (key: String, property: String?) {
        let path = scopedPath(key, context)
        switch provider(context) {
        case .vault: return (path, valueField)
        case .aws: return (path, nil)
        case .azure, .gcp: return (flatName(path), nil)
        case .kubernetes: return (flatName(path), valueField)
        }
    }

    static func flatName(_ path: String) -> String {
        path.split(separator: "/").map { $0.replacingOccurrences(of: ".", with: "-") }.joined(separator: "--")
    }

    // MARK: - The ClusterSecretStore

    /// The ClusterSecretStore (after External Secrets' CRDs, before every
    /// ExternalSecret), and for the in-cluster store the reader it logs in as.
    public static func objects(_ context: ClusterContext) -> [YAMLNode] {
        let name = context.blueprint.platform.secretStore.name
        let labels = context.labels(name: name, component: "secret-store")
        let provider = provider(context)
        var objects: [YAMLNode] = []
        if provider == .kubernetes {
            // The namespace itself is one of the cluster's namespaces (``ClusterNamespaces``).
            let namespace = clusterStoreNamespace
            objects.append(K8s.object("v1", "ServiceAccount", name: clusterStoreReader, namespace: namespace, labels: labels,
                                      annotations: SyncWave.annotations(SyncWave.secretStore), [("automountServiceAccountToken", false)]))
            objects.append(K8s.object("rbac.authorization.k8s.io/v1", "Role", name: clusterStoreReader, namespace: namespace, labels: labels,
                                      annotations: SyncWave.annotations(SyncWave.secretStore), [
                ("rules", .sequence([.map([
                    ("apiGroups", .sequence([""])), ("resources", .sequence(["secrets"])),
                    ("verbs", .sequence(["get", "list", "watch"])),
                ])])),
            ]))
            objects.append(K8s.object("rbac.authorization.k8s.io/v1", "RoleBinding", name: clusterStoreReader, namespace: namespace, labels: labels,
                                      annotations: SyncWave.annotations(SyncWave.secretStore), [
                ("roleRef", .map([("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Role"), ("name", .string(clusterStoreReader))])),
                ("subjects", .sequence([.map([("kind", "ServiceAccount"), ("name", .string(clusterStoreReader)), ("namespace", .string(namespace))])])),
            ]))
        }
        objects.append(K8s.object(ExternalSecrets.apiVersion, "ClusterSecretStore", name: name, labels: labels,
                                  annotations: SyncWave.annotations(SyncWave.secretStore, options: [SyncWave.skipDryRun]), [
            ("spec", .map([("provider", providerSpec(provider))])),
        ]))
        return objects
    }

    static func providerSpec(_ provider: SecretStoreProvider) -> YAMLNode {
        let controller: YAMLNode = .map([("name", .string(controllerServiceAccount)), ("namespace", .string(ClusterNamespaces.externalSecrets))])
        switch provider {
        case let .vault(server, path, role, authPath):
            return .map([("vault", .map([
                ("server", .string(server)), ("path", .string(path)), ("version", "v2"),
                ("auth", .map([("kubernetes", .map([
                    ("mountPath", .string(authPath)), ("role", .string(role)), ("serviceAccountRef", controller),
                ]))])),
            ]))])
        case let .aws(region, _):
            return .map([("aws", .map([
                ("service", "SecretsManager"), ("region", .string(region)),
                ("auth", .map([("jwt", .map([("serviceAccountRef", controller)]))])),
            ]))])
        case let .azure(vaultURL, _, tenantID):
            var spec: [(String, YAMLNode)] = [("vaultUrl", .string(vaultURL)), ("authType", "WorkloadIdentity"), ("serviceAccountRef", controller)]
            if let tenantID { spec.append(("tenantId", .string(tenantID))) }
            return .map([("azurekv", .map(spec))])
        case let .gcp(project, _):
            // No `auth`: External Secrets uses its pod's Workload Identity (the annotated service account).
            return .map([("gcpsm", .map([("projectID", .string(project))]))])
        case .kubernetes:
            return .map([("kubernetes", .map([
                ("remoteNamespace", .string(clusterStoreNamespace)),
                ("server", .map([
                    ("url", "https://kubernetes.default.svc"),
                    ("caProvider", .map([
                        ("type", "ConfigMap"), ("name", "kube-root-ca.crt"), ("key", "ca.crt"),
                        ("namespace", .string(clusterStoreNamespace)),
                    ])),
                ])),
                ("auth", .map([("serviceAccount", .map([
                    ("name", .string(clusterStoreReader)), ("namespace", .string(clusterStoreNamespace)),
                ]))])),
            ]))])
        }
    }

    /// What External Secrets' own service account and pods need for the provider's
    /// workload identity: annotations and pod labels in its chart values.
    public static func controllerIdentity(_ context: ClusterContext) -> (annotations: [String: String], podLabels: [String: String]) {
        switch provider(context) {
        case let .aws(_, role?): return (["eks.amazonaws.com/role-arn": role], [:])
        case let .azure(_, clientID, _): return (["azure.workload.identity/client-id": clientID], ["azure.workload.identity/use": "true"])
        case let .gcp(_, account?): return (["iam.gke.io/gcp-service-account": account], [:])
        default: return ([:], [:])
        }
    }
}
