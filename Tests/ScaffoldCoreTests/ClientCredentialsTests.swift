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
        var checkedPostgres = 0, checkedRedis = 0, checkedRedisTLS = 0, checkedMigrations = 0
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
                    // With TLS, HAProxy serves a certificate for the host the client dials, and the
                    // client verifies it with the CA of that host's certificate.
                    if config["\(prefix)_TLS"] == "true" {
                        #expect(config["\(prefix)_CACERT"] == "\(ServiceCredentials.directory)/\(prefix)_CA_CERT", "\(label)")
                        let proxy = try #require(values["haproxy"]?["tls"], "\(label): \(namespace) has no TLS")
                        #expect(proxy["enabled"]?.bool == true)
                        let pem = try #require(proxy["secretName"]?.string)
                        #expect(cluster.template(namespace, pem)[proxy["keyName"]?.string ?? ""] != nil, "\(label): \(pem) lacks the PEM file")
                        let serverRecipes = cluster.object("ExternalSecret", namespace, pem)?.body["metadata"]?["annotations"]?[ExternalSecrets.recipesAnnotation]?.string ?? ""
                        #expect(serverRecipes.contains("certificate=certificate:\(host)"), "\(label): HAProxy's certificate does not name \(host)")
                        let clientRecipes = cluster.object("ExternalSecret", ServiceWorkloads.namespace, secretName)?.body["metadata"]?["annotations"]?[ExternalSecrets.recipesAnnotation]?.string ?? ""
                        #expect(clientRecipes.contains("\(prefix)_CA_CERT=certificate-authority:\(host)"), "\(label)")
                        checkedRedisTLS += 1
                    } else {
                        #expect(values["haproxy"]?["tls"] == nil, "\(label): \(namespace) serves TLS its client does not use")
                    }
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
            #expect(checkedRedis > 0 && checkedRedisTLS > 0 && checkedMigrations > 0,
                    "\(blueprint): Redis \(checkedRedis) (TLS \(checkedRedisTLS)), migrations \(checkedMigrations)")
        }
    }

    // MARK: MinIO

    /// A MinIO store as its chart is configured: users (access key → Secret, key, policy)
    /// and what each policy allows.
    struct ObjectStore {
        struct User { var secret: String; var secretKey: String; var policy: String }
        struct Allowed: Equatable { var objectActions: Set<String>; var objects: Set<String>; var bucketActions: Set<String>; var buckets: Set<String> }
        var namespace: String
        var users: [String: User]
        var policies: [String: Allowed]

        init?(namespace: String, values: ManifestValue) {
            guard values["buckets"] != nil, values["mode"] != nil else { return nil }
            self.namespace = namespace
            users = [:]
            for user in values["users"]?.items ?? [] {
                guard let accessKey = user["accessKey"]?.string else { continue }
                users[accessKey] = User(secret: user["existingSecret"]?.string ?? "", secretKey: user["existingSecretKey"]?.string ?? "",
                                        policy: user["policy"]?.string ?? "")
            }
            policies = [:]
            for policy in values["policies"]?.items ?? [] {
                var allowed = Allowed(objectActions: [], objects: [], bucketActions: [], buckets: [])
                for statement in policy["statements"]?.items ?? [] where (statement["effect"]?.string ?? "Allow") == "Allow" {
                    let actions = Set((statement["actions"]?.items ?? []).compactMap(\.string))
                    for resource in (statement["resources"]?.items ?? []).compactMap(\.string) {
                        if resource.contains("/") {
                            allowed.objects.insert(resource); allowed.objectActions.formUnion(actions)
                        } else {
                            allowed.buckets.insert(resource); allowed.bucketActions.formUnion(actions)
                        }
                    }
                }
                policies[policy["name"]?.string ?? ""] = allowed
            }
        }

        /// What the user may do, when it is a user of this store with a policy.
        func allowed(_ accessKey: String) -> Allowed? { users[accessKey].flatMap { policies[$0.policy] } }
    }

    static let applicationObjectActions: Set<String> = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    static let bucketActions: Set<String> = ["s3:ListBucket", "s3:GetBucketLocation"]

    /// The MinIO namespace an endpoint URL points at (`http://objects.data-objects.svc.cluster.local:9000`).
    static func namespace(ofEndpoint url: String) -> String? {
        let host = url.replacingOccurrences(of: "http://", with: "").split(separator: ":").first ?? ""
        let parts = host.split(separator: ".")
        return parts.count > 2 ? String(parts[1]) : nil
    }

    /// Every MinIO client (a service, CloudNativePG's backups, Velero) logs in as a user of the
    /// server it calls, with the secret key that user is created from (the same secret-store
    /// key), and that user's policy allows exactly the client's buckets (a backup writer: its
    /// prefix of the backup bucket); every user of a server has such a client.
    @Test(arguments: blueprints)
    func everyObjectStoreClientIsAUserOfItsServerWithExactlyItsBuckets(_ blueprint: String) throws {
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent(blueprint).path)
        var checkedServices = 0, checkedPostgres = 0, checkedVelero = 0, checkedSupabase = 0
        for cluster in try Self.clusters(blueprint) {
            let label = "\(blueprint) \(cluster.name)"
            let stores = Dictionary(uniqueKeysWithValues: cluster.values.compactMap { name, values in
                ObjectStore(namespace: name, values: values).map { (name, $0) }
            })
            var clients: [String: Set<String>] = [:]  // namespace → access keys with a client

            /// The client's secret key is the key its user is created from.
            func expectSameSecret(_ store: ObjectStore, _ user: String, remote: String?, _ what: String) throws {
                let server = try #require(store.users[user], "\(label) \(what): no user \(user) on \(store.namespace)")
                let serverKey = cluster.remoteKeys(store.namespace, server.secret)[server.secretKey]
                #expect(serverKey != nil, "\(label): no ExternalSecret writes \(store.namespace)/\(server.secret) \(server.secretKey)")
                #expect(remote != nil && remote == serverKey, "\(label) \(what): its secret key is not \(user)'s on \(store.namespace)")
                clients[store.namespace, default: []].insert(user)
            }

            // Services: settings in the ConfigMap, the secret key in the service's Secret.
            for deployment in cluster.objects where deployment.kind == "Deployment" && deployment.namespace == ServiceWorkloads.namespace {
                let container = try #require(deployment.body["spec"]?["template"]?["spec"]?["containers"]?.items.first)
                let configMap = try #require(container["envFrom"]?.items.first?["configMapRef"]?["name"]?.string)
                let config = cluster.object("ConfigMap", ServiceWorkloads.namespace, configMap)?.body["data"]?.stringMap ?? [:]
                let secretKeys = cluster.remoteKeys(ServiceWorkloads.namespace, "\(deployment.name)-secrets")
                let environment = Set((container["env"]?.items ?? []).compactMap { $0["name"]?.string })
                let service = try #require(loaded.base.service(deployment.name))
                let minioDependencies = service.dependsOn.filter {
                    if case .dataStore(let name) = $0.target { return loaded.base.dataStore(name)?.kind == .minio }
                    return false
                }
                let prefixes = config.keys.filter { $0.hasSuffix("_ACCESS_KEY_ID") }.map { String($0.dropLast("_ACCESS_KEY_ID".count)) }
                #expect(prefixes.count == minioDependencies.count, "\(label) \(deployment.name): \(prefixes) for \(minioDependencies.count) MinIO stores")
                for prefix in prefixes {
                    let endpoint = try #require(config["\(prefix)_ENDPOINT"], "\(label) \(deployment.name)")
                    #expect(endpoint.hasPrefix("http://") && endpoint.hasSuffix(":9000"), "\(label): \(endpoint)")
                    let namespace = try #require(Self.namespace(ofEndpoint: endpoint))
                    let store = try #require(stores[namespace], "\(label) \(deployment.name): \(endpoint) is no MinIO store")
                    let user = try #require(config["\(prefix)_ACCESS_KEY_ID"])
                    #expect(user == deployment.name, "\(label): the access key id is the service's name")
                    #expect(config["\(prefix)_REGION"] == ObjectStoreUsers.region, "\(label)")
                    try expectSameSecret(store, user, remote: secretKeys["\(prefix)_SECRET_ACCESS_KEY"], "\(deployment.name)")
                    #expect(environment.contains("\(prefix)_SECRET_ACCESS_KEY_FILE") || environment.contains("\(prefix)_SECRET_ACCESS_KEY"), "\(label)")
                    let buckets = (config["\(prefix)_BUCKET"] ?? config["\(prefix)_BUCKETS"] ?? "").split(separator: ",").map(String.init)
                    #expect(!buckets.isEmpty && (config["\(prefix)_BUCKET"] == nil) == (buckets.count > 1), "\(label): \(buckets)")
                    if let backup = loaded.base.backup, namespace == ClusterNamespaces.dataStore(backup.store) {
                        #expect(!buckets.contains(backup.bucket), "\(label) \(deployment.name): an application is given the backup bucket")
                    }
                    #expect(store.allowed(user) == ObjectStore.Allowed(
                        objectActions: Self.applicationObjectActions, objects: Set(buckets.map { "arn:aws:s3:::\($0)/*" }),
                        bucketActions: Self.bucketActions, buckets: Set(buckets.map { "arn:aws:s3:::\($0)" })),
                            "\(label) \(deployment.name): \(String(describing: store.allowed(user)))")
                    checkedServices += 1
                }
            }

            // Backup writers are no MinIO users: CloudNativePG and Velero write to the region's
            // object storage outside the cluster, each with its own supplied cloud credential.
            for (name, values) in cluster.values where values["backups"]?["enabled"]?.bool == true {
                let backups = try #require(values["backups"])
                #expect(Self.namespace(ofEndpoint: backups["endpointURL"]?.string ?? "") == nil, "\(label) \(name): backups go into a MinIO store")
                let secret = try #require(backups["secret"]?["name"]?.string)
                let keys = cluster.remoteKeys(name, secret)
                #expect(!keys.isEmpty && keys.values.allSatisfy { $0.replacingOccurrences(of: "--", with: "/").contains("/cloud/backup/postgresql-") }, "\(label) \(name): \(keys)")
                checkedPostgres += 1
            }
            for location in cluster.objects where location.kind == "BackupStorageLocation" {
                let spec = try #require(location.body["spec"])
                #expect(Self.namespace(ofEndpoint: spec["config"]?["s3Url"]?.string ?? "") == nil, "\(label): Velero writes into a MinIO store")
                let secret = try #require(spec["credential"]?["name"]?.string)
                let keys = cluster.remoteKeys(location.namespace ?? "", secret)
                #expect(!keys.isEmpty && keys.values.allSatisfy { $0.replacingOccurrences(of: "--", with: "/").contains("/cloud/backup/velero/") }, "\(label) Velero: \(keys)")
                checkedVelero += 1
            }

            // Supabase Storage: the chart's MinIO Secret names a user of its object store, limited to its bucket.
            if let values = cluster.values[PlatformComponent.supabase.rawValue] {
                let environment = Dictionary(uniqueKeysWithValues: (values["environment"]?["storage"]?.items ?? []).compactMap { item -> (String, String)? in
                    guard let name = item["name"]?.string, let value = item["value"]?.string else { return nil }
                    return (name, value)
                })
                let namespace = try #require(Self.namespace(ofEndpoint: environment["GLOBAL_S3_ENDPOINT"] ?? ""))
                let store = try #require(stores[namespace], "\(label): Supabase Storage writes to no MinIO store")
                let secret = try #require(values["secret"]?["minio"]?["secretRef"]?.string)
                let template = cluster.template(ClusterNamespaces.supabase, secret)
                let user = try #require(template["user"], "\(label) \(secret)")
                let field = (template["password"] ?? "").replacingOccurrences(of: "{{ .", with: "").replacingOccurrences(of: " }}", with: "")
                try expectSameSecret(store, user, remote: cluster.remoteKeys(ClusterNamespaces.supabase, secret)[field], "Supabase Storage")
                let bucket = try #require(environment["GLOBAL_S3_BUCKET"])
                #expect(bucket != loaded.base.backup?.bucket, "\(label)")
                #expect(store.allowed(user) == ObjectStore.Allowed(
                    objectActions: Self.applicationObjectActions, objects: ["arn:aws:s3:::\(bucket)/*"],
                    bucketActions: Self.bucketActions, buckets: ["arn:aws:s3:::\(bucket)"]), "\(label) Supabase")
                checkedSupabase += 1
            }

            // No user without a client, no policy without a user.
            for (namespace, store) in stores {
                #expect(Set(store.users.keys) == clients[namespace] ?? [], "\(label) \(namespace): users without a client")
                #expect(Set(store.users.values.map(\.policy)) == Set(store.policies.keys), "\(label) \(namespace)")
            }
        }
        let hasMinIO = loaded.base.dataStores.contains { $0.kind == .minio }
        #expect((checkedServices > 0) == hasMinIO && (checkedPostgres > 0 && checkedVelero > 0) == (loaded.base.backup != nil),
                "\(blueprint): services \(checkedServices), PostgreSQL backups \(checkedPostgres), Velero \(checkedVelero)")
        #expect((checkedSupabase > 0) == (loaded.base.components.supabase != nil), "\(blueprint): Supabase \(checkedSupabase)")
    }
}
