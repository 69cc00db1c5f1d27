import BlueprintModel
import Foundation
import Manifests
import ScaffoldCore
import Templates
import Testing
import TestSupport

/// Every client's credential is the one its server is configured with, in every cluster of
/// every committed blueprint: a service's PostgreSQL user is a managed role of that store
/// whose password Secret reads the same secret-store key as the service's, its CA is the one
/// that store's server certificate comes with, and its Redis password is the store's
/// `requirepass`. Read back from the generated objects and chart values, not from the
/// generator's own tables.
@Suite struct ClientCredentialsTests {
    static let blueprints = ["blueprints/galaxy.yaml", "blueprints/meridian/meridian.yaml",
                             "blueprints/harbor/harbor.yaml", "blueprints/atlas/atlas.yaml"]

    /// One cluster's generated objects and chart values.
    struct Cluster {
        var name: String
        var objects: [ManifestObject]
        var values: [String: ManifestValue]

        func object(_ kind: String, _ namespace: String, _ name: String) -> ManifestObject? {
            objects.first { $0.kind == kind && $0.namespace == namespace && $0.name == name }
        }

        /// `secretKey` → remote key of an ExternalSecret writing the Secret `name`.
        func remoteKeys(_ namespace: String, _ name: String) -> [String: String] {
            guard let external = objects.first(where: {
                $0.kind == "ExternalSecret" && $0.namespace == namespace && ($0.body["spec"]?["target"]?["name"]?.string ?? $0.name) == name
            }) else { return [:] }
            var keys: [String: String] = [:]
            for item in external.body["spec"]?["data"]?.items ?? [] {
                if let secretKey = item["secretKey"]?.string, let remote = item["remoteRef"]?["key"]?.string { keys[secretKey] = remote }
            }
            return keys
        }

        /// The template's literal data of the ExternalSecret writing `name` (e.g. `username`).
        func template(_ namespace: String, _ name: String) -> [String: String] {
            objects.first { $0.kind == "ExternalSecret" && $0.namespace == namespace && $0.name == name }?
                .body["spec"]?["target"]?["template"]?["data"]?.stringMap ?? [:]
        }
    }

    static func clusters(_ blueprint: String) throws -> [Cluster] {
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent(blueprint).path)
        return try ClusterContext.all(loaded).map { context in
            var cluster = Cluster(name: context.scope.name, objects: [], values: [:])
            for file in GitOpsTree.files(for: context) where file.path.hasSuffix(".yaml") {
                if file.path.contains("/values/") {
                    let name = (file.path as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "")
                    cluster.values[name] = try ManifestReader.documents(file.contents, file: file.path).first
                } else {
                    cluster.objects += try ManifestReader.objects(file.contents, file: file.path)
                }
            }
            return cluster
        }
    }

    @Test(arguments: blueprints)
    func everyClientLogsInAsAUserItsServerHas(_ blueprint: String) throws {
        var checkedPostgres = 0, checkedRedis = 0, checkedMigrations = 0
        for cluster in try Self.clusters(blueprint) {
            let label = "\(blueprint) \(cluster.name)"
            for deployment in cluster.objects where deployment.kind == "Deployment" && deployment.namespace == ServiceWorkloads.namespace {
                let pod = try #require(deployment.body["spec"]?["template"]?["spec"])
                let container = try #require(pod["containers"]?.items.first)
                let configMap = try #require(container["envFrom"]?.items.first?["configMapRef"]?["name"]?.string)
                let config = cluster.object("ConfigMap", ServiceWorkloads.namespace, configMap)?.body["data"]?.stringMap ?? [:]
                let secretName = "\(deployment.name)-secrets"
                let secretKeys = cluster.remoteKeys(ServiceWorkloads.namespace, secretName)
                let environment = Dictionary(uniqueKeysWithValues: (container["env"]?.items ?? []).compactMap { variable in
                    variable["name"]?.string.map { ($0, variable["value"]?.string ?? "") }
                })
                // Every `_FILE` names a file of the Secret mounted at the credentials folder.
                for (name, path) in environment where name.hasSuffix("_FILE") {
                    #expect(path == "\(ServiceCredentials.directory)/\(name.dropLast(5))", "\(label) \(deployment.name) \(name)")
                    #expect(secretKeys[String(name.dropLast(5))] != nil, "\(label) \(deployment.name): \(name) names no key of \(secretName)")
                }
                if !secretKeys.isEmpty {
                    let volume = pod["volumes"]?.items.first { $0["name"]?.string == "secrets" }
                    #expect(volume?["secret"]?["secretName"]?.string == secretName, "\(label) \(deployment.name)")
                }

                for (setting, user) in config where setting.hasSuffix("_USER") {
                    let prefix = String(setting.dropLast(5))
                    // postgres-rw.data-postgres.svc.cluster.local → the store's namespace and values.
                    let host = try #require(config["\(prefix)_HOST"], "\(label) \(deployment.name)")
                    let namespace = String(host.split(separator: ".")[1])
                    let values = try #require(cluster.values[namespace], "\(label): no values for \(namespace)")
                    let roles = values["cluster"]?["roles"]?.items ?? []
                    let role = try #require(roles.first { $0["name"]?.string == user }, "\(label) \(deployment.name): no role \(user) in \(namespace)")
                    #expect(role["login"]?.bool == true && role["bypassrls"]?.bool == false && role["superuser"]?.bool == false, "\(label)")
                    let passwordSecret = try #require(role["passwordSecret"]?["name"]?.string)
                    #expect(cluster.template(namespace, passwordSecret)["username"] == user, "\(label) \(passwordSecret)")
                    #expect(cluster.remoteKeys(namespace, passwordSecret)["password"] == secretKeys["\(prefix)_PASSWORD"],
                            "\(label) \(deployment.name): its \(prefix)_PASSWORD is not \(user)'s password on \(namespace)")
                    #expect(environment["\(prefix)_PASSWORD_FILE"] != nil || deployment.body["metadata"]?["annotations"]?["checkov.io/skip1"] != nil, "\(label)")

                    // TLS: verify-full against the CA the server's certificate comes with, for this host.
                    #expect(config["\(prefix)_SSLMODE"] == "verify-full", "\(label) \(deployment.name)")
                    #expect(config["\(prefix)_SSLROOTCERT"] == "\(ServiceCredentials.directory)/\(prefix)_CA_CERT", "\(label)")
                    let certificates = values["cluster"]?["certificates"]
                    let caSecret = try #require(certificates?["serverCASecret"]?.string)
                    let tlsSecret = try #require(certificates?["serverTLSSecret"]?.string)
                    #expect(cluster.remoteKeys(namespace, caSecret)["authority"] == secretKeys["\(prefix)_CA_CERT"], "\(label)")
                    #expect(cluster.template(namespace, caSecret)["ca.crt"] == "{{ .authority }}", "\(label)")
                    let recipes = cluster.object("ExternalSecret", namespace, tlsSecret)?.body["metadata"]?["annotations"]?[ExternalSecrets.recipesAnnotation]?.string ?? ""
                    #expect(recipes.contains("certificate=certificate:\(host)"), "\(label): the server certificate does not name \(host)")
                    checkedPostgres += 1
                }

                for (setting, host) in config where setting.hasSuffix("_HOST") && host.contains("-haproxy.") {
                    let prefix = String(setting.dropLast(5))
                    guard secretKeys["\(prefix)_PASSWORD"] != nil || prefix != "REDIS" else {
                        Issue.record("\(label) \(deployment.name): a Redis client without REDIS_PASSWORD")
                        continue
                    }
                    guard let password = secretKeys["\(prefix)_PASSWORD"] else { continue }
                    let namespace = String(host.split(separator: ".")[1])
                    let values = try #require(cluster.values[namespace])
                    #expect(values["auth"]?.bool == true, "\(label)")
                    let existing = try #require(values["existingSecret"]?.string)
                    let key = values["authKey"]?.string ?? "auth"
                    #expect(cluster.remoteKeys(namespace, existing)[key] == password,
                            "\(label) \(deployment.name): its \(prefix)_PASSWORD is not \(namespace)'s requirepass")
                    checkedRedis += 1
                }
            }

            // The migration Job logs in as the migrator role, with the store's CA.
            for job in cluster.objects where job.kind == "Job" && job.namespace == ServiceWorkloads.namespace && job.name.hasSuffix("-migrate") {
                let service = String(job.name.dropLast("-migrate".count))
                let keys = cluster.remoteKeys(ServiceWorkloads.namespace, "\(service)-migrator")
                let container = try #require(job.body["spec"]?["template"]?["spec"]?["containers"]?.items.first)
                let url = try #require(container["env"]?.items.first { $0["name"]?.string == "MIGRATION_DATABASE_URL" }?["value"]?.string)
                #expect(url.contains("sslmode=verify-full&sslrootcert=\(ServiceCredentials.directory)/ca.crt"), "\(label)")
                let namespace = String(url.split(separator: "@")[1].split(separator: ".")[1])
                let values = try #require(cluster.values[namespace])
                let role = try #require((values["cluster"]?["roles"]?.items ?? []).first { $0["name"]?.string == DataStores.migratorRole })
                #expect(role["createrole"]?.bool == true, "\(label): the migrator cannot create the application role")
                let passwordSecret = try #require(role["passwordSecret"]?["name"]?.string)
                #expect(cluster.remoteKeys(namespace, passwordSecret)["password"] == keys["password"], "\(label) \(job.name)")
                #expect(values["cluster"]?["initdb"]?["secret"]?["name"]?.string == passwordSecret, "\(label)")
                let caSecret = try #require(values["cluster"]?["certificates"]?["serverCASecret"]?.string)
                #expect(cluster.remoteKeys(namespace, caSecret)["authority"] == keys["ca.crt"], "\(label) \(job.name)")
                checkedMigrations += 1
            }
        }
        #expect(checkedPostgres > 0, "\(blueprint): no PostgreSQL client checked")
        if blueprint.contains("galaxy") {
            #expect(checkedRedis > 0 && checkedMigrations > 0, "\(blueprint): Redis \(checkedRedis), migrations \(checkedMigrations)")
        }
    }
}
