public import BlueprintModel
import BringUp
import Foundation
import Manifests
import Renderer
public import Templates

/// `scaffold secrets`: every key each cluster's secret store must hold, read back from
/// the generated ops tree (the ExternalSecrets and their recipe annotations), with the
/// objects that consume it and how to make it. Never a value.
public enum SecretInventory {
    public struct Consumer: Codable, Sendable, Hashable, Comparable {
        public var kind: String
        public var namespace: String?
        public var name: String

        public var description: String { "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }
        public static func < (lhs: Consumer, rhs: Consumer) -> Bool { lhs.description < rhs.description }
    }

    public struct Entry: Codable, Sendable, Equatable {
        /// The name in the provider (what an operator creates).
        public var key: String
        /// The field of it holding the value, where the provider keeps maps.
        public var property: String?
        /// `random-hex`, `certificate`, `private-key` or `supplied`.
        public var recipe: String
        public var bytes: Int?
        public var host: String?
        /// The Secrets External Secrets writes it into (`namespace/name key`).
        public var secrets: [String]
        /// The objects that read those Secrets.
        public var consumers: [Consumer]
        /// A command that stores a value of the right shape (values are made on the operator's machine).
        public var command: String
    }

    public struct Cluster: Codable, Sendable, Equatable {
        public var cluster: String
        public var environment: String
        public var region: String
        public var store: String
        public var provider: String
        public var keys: [Entry]
    }

    public struct InconsistentRecipe: Error, CustomStringConvertible {
        public var cluster: String
        public var key: String
        public var recipes: [String]
        public var description: String {
            "\(cluster): key \(key) is made two ways (\(recipes.joined(separator: " and "))): one key, one recipe"
        }
    }

    public static func clusters(_ loaded: LoadedBlueprint, environment: String? = nil, region: String? = nil) throws -> [Cluster] {
        try ClusterContext.all(loaded)
            .filter { environment == nil || $0.scope.environment == environment }
            .filter { region == nil || $0.scope.region == region }
            .map(cluster)
    }

    static func cluster(_ context: ClusterContext) throws -> Cluster {
        var objects: [ManifestObject] = []
        var valuesFiles: [String: String] = [:]
        for file in GitOpsTree.files(for: context) where file.path.hasSuffix(".yaml") {
            if file.path.contains("/values/") {
                valuesFiles[file.path] = file.contents
                continue
            }
            objects += (try? ManifestReader.objects(file.contents, file: file.path)) ?? []
        }
        let provider = SecretStores.provider(context)

        struct Accumulated { var property: String?; var recipes: Set<String>; var secrets: Set<String>; var consumers: Set<Consumer> }
        var keys: [String: Accumulated] = [:]
        for object in objects where object.kind == "ExternalSecret" {
            let namespace = object.namespace ?? ""
            let target = object.body["spec"]?["target"]?["name"]?.string ?? object.name
            let recipes = recipeMap(object.body["metadata"]?["annotations"]?[ExternalSecrets.recipesAnnotation]?.string ?? "")
            let consumers = self.consumers(of: target, in: namespace, objects: objects, values: valuesFiles)
            for entry in object.body["spec"]?["data"]?.items ?? [] {
                guard let secretKey = entry["secretKey"]?.string, let remote = entry["remoteRef"]?["key"]?.string else { continue }
                var accumulated = keys[remote] ?? Accumulated(property: entry["remoteRef"]?["property"]?.string, recipes: [], secrets: [], consumers: [])
                accumulated.recipes.insert(recipes[secretKey] ?? "supplied")
                accumulated.secrets.insert("\(namespace)/\(target) \(secretKey)")
                accumulated.consumers.formUnion(consumers)
                keys[remote] = accumulated
            }
        }
        var entries: [Entry] = []
        for (key, accumulated) in keys.sorted(by: { $0.key < $1.key }) {
            guard accumulated.recipes.count == 1, let annotation = accumulated.recipes.first, let recipe = SecretRecipe(annotation: annotation) else {
                throw InconsistentRecipe(cluster: context.scope.name, key: key, recipes: accumulated.recipes.sorted())
            }
            var entry = Entry(key: key, property: accumulated.property, recipe: "supplied", bytes: nil, host: nil,
                              secrets: accumulated.secrets.sorted(), consumers: accumulated.consumers.sorted(), command: "")
            switch recipe {
            case .random(let bytes): entry.recipe = "random-hex"; entry.bytes = bytes
            case .certificate(let host): entry.recipe = "certificate"; entry.host = host
            case .privateKey(let host): entry.recipe = "private-key"; entry.host = host
            case .certificateAuthority(let host): entry.recipe = "certificate-authority"; entry.host = host
            case .supplied: break
            }
            entry.command = command(for: entry, provider: provider, context: context)
            entries.append(entry)
        }
        return Cluster(cluster: context.scope.name, environment: context.scope.environment, region: context.scope.region,
                       store: context.blueprint.platform.secretStore.name, provider: provider.kind, keys: entries)
    }

    static func recipeMap(_ annotation: String) -> [String: String] {
        var map: [String: String] = [:]
        for item in annotation.split(separator: ",") {
            let pair = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { map[pair[0]] = pair[1] }
        }
        return map
    }

    /// Pods of the tree that read the Secret, and chart Applications whose values name it
    /// (`existingSecret`-style settings; the chart's pods read it once rendered).
    static func consumers(of secret: String, in namespace: String, objects: [ManifestObject],
                          values: [String: String]) -> [Consumer] {
        var result: [Consumer] = []
        for object in objects where (object.namespace ?? "") == namespace && KindCatalog.secretsRead(by: object).contains(secret) {
            result.append(Consumer(kind: object.kind, namespace: object.namespace, name: object.name))
        }
        for object in objects where object.kind == "Ingress" && (object.namespace ?? "") == namespace {
            let names = (object.body["spec"]?["tls"]?.items ?? []).compactMap { $0["secretName"]?.string }
            if names.contains(secret) { result.append(Consumer(kind: object.kind, namespace: object.namespace, name: object.name)) }
        }
        for object in objects where object.kind == "Application" {
            guard object.body["spec"]?["destination"]?["namespace"]?.string == namespace else { continue }
            // `$values/<path>`: the values file in the ops tree.
            let valuePaths = (object.body["spec"]?["sources"]?.items ?? []).compactMap { $0["helm"]?["valueFiles"]?.items }.flatMap { $0 }
                .compactMap(\.string).map { $0.hasPrefix("$values/") ? String($0.dropFirst(8)) : $0 }
            // A scalar of the values file equal to the Secret's name (`existingSecret: grafana-admin`).
            let mentions = valuePaths.contains { path in
                values[path].map { text in
                    text.split(whereSeparator: { $0.isWhitespace || "\"':,[]{}".contains($0) }).contains { $0 == secret }
                } ?? false
            }
            if mentions { result.append(Consumer(kind: "Application", namespace: object.namespace, name: object.name)) }
        }
        return result
    }

    /// How to store a value of the right shape in the provider: the value is made by a
    /// command on the operator's machine and piped in, so it is never on a command line.
    static func command(for entry: Entry, provider: SecretStoreProvider, context: ClusterContext) -> String {
        let make: String
        switch entry.recipe {
        case "random-hex": make = "openssl rand -hex \(entry.bytes ?? 32)"
        case "certificate": make = "cat \(entry.host ?? "host").crt"
        case "private-key": make = "cat \(entry.host ?? "host").key"
        case "certificate-authority": make = "cat \(entry.host ?? "host").ca.crt"
        default: make = "cat VALUE_FILE"
        }
        switch provider {
        case .vault(_, let path, _, _):
            return "\(make) | vault kv put -mount=\(path) \(entry.key) \(entry.property ?? SecretStores.valueField)=-"
        case .aws(let region, _):
            return "aws secretsmanager create-secret --region \(region) --name \(entry.key) --secret-string \"$(\(make))\""
        case .azure(let vaultURL, _, _):
            let vault = vaultURL.replacingOccurrences(of: "https://", with: "").split(separator: ".").first.map(String.init) ?? vaultURL
            return "\(make) | az keyvault secret set --vault-name \(vault) --name \(entry.key) --file /dev/stdin"
        case .gcp(let project, _):
            return "\(make) | gcloud secrets create \(entry.key) --project \(project) --data-file=-"
        case .kubernetes:
            return "\(make) | kubectl -n \(SecretStores.clusterStoreNamespace) create secret generic \(entry.key) --from-file=\(entry.property ?? SecretStores.valueField)=/dev/stdin"
        }
    }

    // MARK: - Output

    public static func text(_ clusters: [Cluster]) -> String {
        var out = ""
        for cluster in clusters {
            let generated = cluster.keys.filter { $0.recipe == "random-hex" }.count
            out += "\(cluster.cluster): store \(cluster.store) (\(cluster.provider)), \(cluster.keys.count) keys (\(generated) random, \(cluster.keys.count - generated) to supply)\n"
            for entry in cluster.keys {
                let how: String
                switch entry.recipe {
                case "random-hex": how = "random, \(entry.bytes ?? 0) bytes hex"
                case "certificate": how = "TLS certificate chain (PEM) for \(entry.host ?? "")"
                case "private-key": how = "TLS private key (PEM) for \(entry.host ?? "")"
                case "certificate-authority": how = "CA certificate (PEM) that issued the certificate of \(entry.host ?? "")"
                default: how = "supplied by you"
                }
                out += "  \(entry.key)\(entry.property.map { " [\($0)]" } ?? "")  \(how)\n"
                out += "    into:  \(entry.secrets.joined(separator: "; "))\n"
                if !entry.consumers.isEmpty { out += "    read by: \(entry.consumers.map(\.description).joined(separator: ", "))\n" }
                out += "    make:  \(entry.command)\n"
            }
        }
        return out
    }

    public static func json(_ clusters: [Cluster]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(["clusters": clusters]), as: UTF8.self) + "\n"
    }
}
