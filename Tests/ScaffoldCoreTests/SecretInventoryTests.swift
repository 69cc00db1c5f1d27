import BlueprintModel
import Foundation
import ScaffoldCore
import Testing
import TestSupport

/// `scaffold secrets`: the inventory lists every key the generated ExternalSecrets read,
/// scoped per cluster, with its recipe and consumers, and never a value.
@Suite struct SecretInventoryTests {
    static let root = TestTools.packageRoot
    static let galaxy = root.appendingPathComponent("blueprints/galaxy.yaml").path

    /// The remote keys of the golden ops tree, by cluster, read as plain text (`remoteRef:` then `key:`).
    static func goldenRemoteKeys() throws -> [String: Set<String>] {
        let ops = root.appendingPathComponent("Tests/Golden/galaxy/ops/cluster")
        var keys: [String: Set<String>] = [:]
        let files = FileManager.default.enumerator(at: ops, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "yaml" {
            let components = file.path.dropFirst(ops.path.count + 1).split(separator: "/")
            guard components.count == 3 else { continue }  // <area>/<cluster>/<file>
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces) == "remoteRef:" {
                let next = lines[index + 1].trimmingCharacters(in: .whitespaces)
                #expect(next.hasPrefix("key: "), "\(file.path):\(index + 2)")
                keys[String(components[1]), default: []].insert(String(next.dropFirst(5)))
            }
        }
        return keys
    }

    @Test func everyKeyTheTreeReadsIsListedOncePerCluster() throws {
        let loaded = try Pipeline.load(blueprint: Self.galaxy)
        let clusters = try SecretInventory.clusters(loaded)
        let golden = try Self.goldenRemoteKeys()
        #expect(Set(clusters.map(\.cluster)) == Set(golden.keys))
        for cluster in clusters {
            let listed = cluster.keys.map(\.key)
            #expect(Set(listed) == golden[cluster.cluster] ?? [], "\(cluster.cluster)")
            #expect(listed.count == Set(listed).count, "one entry per key")
            // Scoped: every key of the cluster lies below <environment>/<region>/ (flat names
            // join with `--`, as the in-cluster store's Secret names must).
            let scope = cluster.provider == "kubernetes" ? "\(cluster.environment)--\(cluster.region)--" : "\(cluster.environment)/\(cluster.region)/"
            #expect(listed.allSatisfy { $0.hasPrefix(scope) }, "\(cluster.cluster)")
            #expect(cluster.keys.allSatisfy { !$0.secrets.isEmpty })
        }
        // No two clusters share a key.
        let all = clusters.flatMap { $0.keys.map(\.key) }
        #expect(all.count == Set(all).count)
    }

    @Test func recipesConsumersAndProviders() throws {
        let loaded = try Pipeline.load(blueprint: Self.galaxy)
        let staging = try #require(SecretInventory.clusters(loaded, environment: "staging", region: "es").first)
        #expect(staging.provider == "vault" && staging.store == "galaxy-vault")
        let keys = Dictionary(uniqueKeysWithValues: staging.keys.map { ($0.key, $0) })

        // The blueprint's `generate: 32` for JWT_SECRET.
        let jwt = try #require(keys["staging/es/galaxy/platform-api/jwt-secret"])
        #expect(jwt.recipe == "random-hex" && jwt.bytes == 32)
        #expect(jwt.consumers.map(\.description) == ["Deployment apps/platform-api"])
        #expect(jwt.command.hasPrefix("openssl rand -hex 32 | vault kv put -mount=secret staging/es/galaxy/platform-api/jwt-secret value=-"))

        // Each MinIO user's secret key is one key in two Secrets: the one the MinIO chart
        // creates the user from, and the client's own (a service's pods).
        let prefix = "staging/es/galaxy/data/objects"
        #expect(!keys.keys.contains { $0.contains("/backup-users/") }, "backup writers are no MinIO users")
        // Backup writers read their own cloud credentials, supplied by the cloud account's owner.
        let velero = try #require(keys["staging/es/galaxy/cloud/backup/velero/storage-account-key"])
        #expect(velero.recipe == "supplied")
        #expect(velero.secrets == ["velero/velero-cloud-credentials storageKey"])
        let postgres = try #require(keys["staging/es/galaxy/cloud/backup/postgresql-postgres/storage-sas-token"])
        #expect(postgres.secrets == ["data-postgres/postgres-backup-credentials sasToken"])
        let drill = try #require(keys["staging/es/galaxy/data/postgres/restore-drill-superuser-password"])
        #expect(drill.recipe == "random-hex" && drill.bytes == 24)
        let service = try #require(keys["\(prefix)/users/backend-api/secret-access-key"])
        #expect(service.recipe == "random-hex" && service.bytes == 20, "40 hex characters: MinIO's longest generated secret key")
        #expect(service.secrets == ["apps/backend-api-secrets S3_SECRET_ACCESS_KEY", "data-objects/objects-user-backend-api secretKey"])
        #expect(Set(service.consumers.map(\.description)) == ["Application argocd/data-objects", "Deployment apps/backend-api"])
        #expect(!keys.keys.contains { $0.contains("backend-api/s3-secret-key") || $0.hasSuffix("backup-secret-access-key") })

        // Ingress certificates come from cert-manager: no certificate or key of a public host
        // is a secret-store entry (the data stores' own server certificates still are).
        #expect(!staging.keys.contains { $0.key.hasPrefix("staging/es/galaxy/tls/") })
        #expect(staging.keys.filter { $0.recipe == "certificate" }.allSatisfy { $0.key.contains("/data/") })

        // dev-local always uses the in-cluster store; its keys are flat Secret names there.
        let dev = try #require(SecretInventory.clusters(loaded, environment: "dev-local").first)
        #expect(dev.provider == "kubernetes")
        #expect(dev.keys.allSatisfy { $0.command.contains("kubectl -n secret-store create secret generic") && !$0.key.contains("/") })
    }

    /// The Alertmanager receivers' credentials (`alerts.receivers`): keys to supply, in the
    /// Secret kube-prometheus-stack mounts, only those the cluster's routes use.
    @Test func alertReceiverCredentials() throws {
        let loaded = try Pipeline.load(blueprint: Self.galaxy)
        func receiverKeys(_ environment: String, _ region: String) throws -> [String: SecretInventory.Entry] {
            let cluster = try #require(SecretInventory.clusters(loaded, environment: environment, region: region).first)
            return Dictionary(uniqueKeysWithValues: cluster.keys.filter { $0.key.contains("/galaxy/alerts/") }.map { ($0.key, $0) })
        }
        let production = try receiverKeys("production", "tr")
        #expect(production.keys.sorted() == ["production/tr/galaxy/alerts/pagerduty-routing-key", "production/tr/galaxy/alerts/slack-webhook-url",
                                             "production/tr/galaxy/alerts/smtp-password"])
        let pagerduty = try #require(production["production/tr/galaxy/alerts/pagerduty-routing-key"])
        #expect(pagerduty.recipe == "supplied")
        #expect(pagerduty.secrets == ["monitoring/alertmanager-receivers oncall-routing-key"])
        #expect(pagerduty.consumers.map(\.description) == ["Application argocd/kube-prometheus-stack"])
        #expect(pagerduty.command == "cat VALUE_FILE | vault kv put -mount=secret production/tr/galaxy/alerts/pagerduty-routing-key value=-")
        // Staging has no PagerDuty route but the incident webhook; dev-local sends nothing out.
        #expect(try receiverKeys("staging", "es").keys.sorted() == ["staging/es/galaxy/alerts/incident-webhook-url",
                                                                     "staging/es/galaxy/alerts/slack-webhook-url",
                                                                     "staging/es/galaxy/alerts/smtp-password"])
        let dev = try #require(SecretInventory.clusters(loaded, environment: "dev-local", region: "tr").first)
        #expect(!dev.keys.isEmpty && !dev.keys.contains { $0.key.contains("alerts") })
    }

    @Test func otherProviders() throws {
        for (name, provider) in [("meridian", "gcp"), ("harbor", "vault"), ("atlas", "kubernetes")] {
            let loaded = try Pipeline.load(blueprint: Self.root.appendingPathComponent("blueprints/\(name)/\(name).yaml").path)
            let clusters = try SecretInventory.clusters(loaded).filter { $0.environment != "dev-local" }
            #expect(!clusters.isEmpty)
            for cluster in clusters {
                #expect(cluster.provider == provider, "\(name) \(cluster.cluster)")
                #expect(!cluster.keys.isEmpty)
                if provider == "gcp" {
                    // Secret Manager names allow [A-Za-z0-9_-] only.
                    #expect(cluster.keys.allSatisfy { $0.key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
                    #expect(cluster.keys.allSatisfy { $0.command.contains("gcloud secrets create") })
                }
            }
        }
    }

    /// The in-cluster store's reader may `get` exactly the keys the cluster's
    /// ExternalSecrets read (the inventory), by name, and do nothing else.
    @Test func inClusterStoreReaderMayGetExactlyTheInventorysKeys() throws {
        var checked = 0
        for name in ["galaxy", "harbor/harbor", "atlas/atlas"] {
            let loaded = try Pipeline.load(blueprint: Self.root.appendingPathComponent("blueprints/\(name).yaml").path)
            let files = Dictionary(Pipeline.render(loaded).files.map { ($0.path, $0.contents) }) { first, _ in first }
            for cluster in try SecretInventory.clusters(loaded) where cluster.provider == "kubernetes" {
                let text = try #require(files["cluster/base/\(cluster.cluster)/secret-store.yaml"], "\(name) \(cluster.cluster)")
                let lines = text.split(separator: "\n").map(String.init)
                let start = try #require(lines.firstIndex(of: "  resourceNames:"), "\(name) \(cluster.cluster): no resourceNames")
                let names = lines[(start + 1)...].prefix { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
                #expect(!cluster.keys.isEmpty)
                #expect(names == cluster.keys.map(\.key), "\(name) \(cluster.cluster)")
                #expect(lines[(start + 1 + names.count)...].prefix(2) == ["  verbs:", "  - get"], "\(name) \(cluster.cluster)")
                #expect(!text.contains("- list") && !text.contains("- watch"))
                checked += 1
            }
        }
        #expect(checked >= 5)
    }

    @Test func commandLineTextAndJSONWithoutValues() throws {
        let scaffold = TestTools.scaffoldExecutable
        let json = try TestTools.run(scaffold, ["secrets", Self.galaxy, "--env", "production", "--format", "json"])
        #expect(json.succeeded, "\(json.stderr)")
        struct Report: Decodable { var clusters: [SecretInventory.Cluster] }
        let report = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8))
        #expect(report.clusters.map(\.cluster) == ["production-es", "production-tr"])

        let text = try TestTools.run(scaffold, ["secrets", Self.galaxy, "--region", "tr"])
        #expect(text.succeeded)
        #expect(text.stdout.contains("staging-tr: store galaxy-vault (vault)"))
        #expect(text.stdout.contains("production/tr/galaxy/platform-api/jwt-secret [value]  random, 32 bytes hex"))
        // Names and commands only: no line holds a hex run as long as a generated value.
        #expect(text.stdout.range(of: "[0-9a-f]{40}", options: .regularExpression) == nil)

        let unknown = try TestTools.run(scaffold, ["secrets", Self.galaxy, "--env", "qa"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no environment qa"))
    }
}
