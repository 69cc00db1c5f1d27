import BlueprintModel
import Renderer

/// ExternalSecrets: Secrets are created in the cluster by External Secrets from the
/// platform's secret store. Generated output only ever names a key in that store.
public enum ExternalSecrets {
    public static let apiVersion = "external-secrets.io/v1"

    /// An ExternalSecret creating Secret `name` with one entry per `(secret key, remote key)`.
    /// `template` entries (rendered by External Secrets from the fetched values) and
    /// `type` shape the Secret when a consumer needs a particular layout.
    public static func object(
        name: String, namespace: String, context: ClusterContext, component: String,
        data: [(secretKey: String, remoteKey: String)], type: String? = nil, template: [String: String] = [:],
        wave: Int = SyncWave.configuration
    ) -> YAMLNode {
        var target: [(String, YAMLNode)] = [("name", .string(name)), ("creationPolicy", "Owner"), ("deletionPolicy", "Retain")]
        if type != nil || !template.isEmpty {
            var templateNode: [(String, YAMLNode)] = [("engineVersion", "v2")]
            if let type { templateNode.append(("type", .string(type))) }
            if !template.isEmpty { templateNode.append(("data", .sortedStrings(template))) }
            target.append(("template", .map(templateNode)))
        }
        return K8s.object(apiVersion, "ExternalSecret", name: name, namespace: namespace,
                          labels: context.labels(name: name, component: component),
                          annotations: SyncWave.annotations(wave, options: [SyncWave.skipDryRun]), [
            ("spec", .map([
                ("refreshInterval", "1h"),
                ("secretStoreRef", .map([("kind", "ClusterSecretStore"), ("name", .string(context.blueprint.platform.secretStore))])),
                ("target", .map(target)),
                ("data", .sequence(data.sorted { $0.secretKey < $1.secretKey }.map { entry in
                    .map([("secretKey", .string(entry.secretKey)), ("remoteRef", .map([("key", .string(entry.remoteKey))]))])
                })),
            ])),
        ])
    }

    /// The secret-store key of a platform-owned credential: `<platform>/<area>/<owner>/<item>`.
    public static func platformKey(_ context: ClusterContext, _ area: String, _ owner: String, _ item: String) -> String {
        "\(context.platform)/\(area)/\(owner)/\(item)"
    }
}
