import BlueprintModel
import Renderer

/// ExternalSecrets: Secrets are created in the cluster by External Secrets from the
/// platform's secret store. Generated output only ever names a key in that store.
public enum ExternalSecrets {
    public static let apiVersion = "external-secrets.io/v1"
    /// How each entry's value is made (`KEY=random-hex:24, CERT=certificate:host, API_KEY=supplied`):
    /// what `scaffold secrets` reads back from the tree, never a value.
    public static let recipesAnnotation = "scaffold.dev/secret-recipes"

    /// An ExternalSecret creating Secret `name` with one entry per `(secret key, store key)`,
    /// read through the cluster's ClusterSecretStore (``SecretStores``).
    /// `template` entries (rendered by External Secrets from the fetched values) and
    /// `type` shape the Secret when a consumer needs a particular layout.
    public static func object(
        name: String, namespace: String, context: ClusterContext, component: String,
        data: [(secretKey: String, key: SecretStoreKey)], type: String? = nil, template: [String: String] = [:],
        wave: Int = SyncWave.configuration
    ) -> YAMLNode {
        var target: [(String, YAMLNode)] = [("name", .string(name)), ("creationPolicy", "Owner"), ("deletionPolicy", "Retain")]
        if type != nil || !template.isEmpty {
            var templateNode: [(String, YAMLNode)] = [("engineVersion", "v2")]
            if let type { templateNode.append(("type", .string(type))) }
            if !template.isEmpty { templateNode.append(("data", .sortedStrings(template))) }
            target.append(("template", .map(templateNode)))
        }
        var annotations = SyncWave.annotations(wave, options: [SyncWave.skipDryRun])
        annotations[recipesAnnotation] = data.sorted { $0.secretKey < $1.secretKey }
            .map { "\($0.secretKey)=\($0.key.recipe.annotation)" }.joined(separator: ", ")
        return K8s.object(apiVersion, "ExternalSecret", name: name, namespace: namespace,
                          labels: context.labels(name: name, component: component),
                          annotations: annotations, [
            ("spec", .map([
                ("refreshInterval", "1h"),
                ("secretStoreRef", .map([("kind", "ClusterSecretStore"), ("name", .string(context.blueprint.platform.secretStore.name))])),
                ("target", .map(target)),
                ("data", .sequence(data.sorted { $0.secretKey < $1.secretKey }.map { entry in
                    let remote = SecretStores.remoteReference(entry.key, context)
                    var reference: [(String, YAMLNode)] = [("key", .string(remote.key))]
                    if let property = remote.property { reference.append(("property", .string(property))) }
                    return .map([("secretKey", .string(entry.secretKey)), ("remoteRef", .map(reference))])
                })),
            ])),
        ])
    }
}
