import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// `components.supabase` (harbor turns it on): the chart's values point at the region's
/// own stores and take every credential from ExternalSecrets; the network lets Supabase
/// reach exactly its two stores and lets the ingress controller reach only its gateway;
/// Storage's MinIO user is limited to Supabase's bucket, which no service is granted.
@Suite struct SupabaseTests {
    static func harbor() throws -> LoadedBlueprint {
        try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/harbor/harbor.yaml").path)
    }

    static func context(_ loaded: LoadedBlueprint, _ cluster: String) throws -> ClusterContext {
        try #require(ClusterContext.all(loaded).first { $0.scope.name == cluster })
    }

    @Test func offByDefault() throws {
        let galaxy = try GitOps.galaxy()
        for context in ClusterContext.all(galaxy) {
            #expect(context.supabase == nil)
            #expect(!PlatformComponent.installed(in: context).contains(.supabase))
            #expect(!ClusterNamespaces.workloads(context).contains(ClusterNamespaces.supabase))
        }
    }

    @Test func valuesUseTheRegionsOwnStoresAndNoSecretValue() throws {
        let loaded = try Self.harbor()
        for context in ClusterContext.all(loaded) {
            #expect(PlatformComponent.installed(in: context).contains(.supabase))
            let values = ComponentValues.values(.supabase, context)
            #expect(values["deployment"]?["db"]?["enabled"] == .bool(false))
            #expect(values["deployment"]?["minio"]?["enabled"] == .bool(false))
            #expect(values["deployment"]?["studio"]?["enabled"] == .bool(true))
            #expect(values["secret"]?["db"]?["host"] == .string("identity-rw.data-identity.svc.cluster.local"))
            let storage = Dictionary(uniqueKeysWithValues: (values["environment"]?["storage"]?.items ?? []).map {
                ($0["name"]?.scalarText ?? "", $0["value"]?.scalarText ?? "")
            })
            #expect(storage["STORAGE_BACKEND"] == "s3")
            #expect(storage["GLOBAL_S3_ENDPOINT"] == "http://archive.data-archive.svc.cluster.local:9000")
            #expect(storage["GLOBAL_S3_BUCKET"] == "uploads")
            for pod in ["auth", "kong", "meta", "realtime", "rest", "storage", "studio"] {
                #expect(values["deployment"]?[pod]?["nodeSelector"]?[Residency.nodeLabel] == .string(context.scope.region), "\(pod)")
                #expect(values["deployment"]?[pod]?["resources"]?["limits"]?["memory"] != nil, "\(pod)")
            }

            // Every Secret the chart reads is an ExternalSecret holding the keys it reads; no values.
            let externalSecrets = Dictionary(uniqueKeysWithValues: Supabase.objects(context).map { object in
                (object["metadata"]?["name"]?.scalarText ?? "", object)
            })
            let expectedKeys: [String: Set<String>] = [
                "supabase-analytics": ["privateAccessToken", "publicAccessToken"], "supabase-dashboard": ["password", "username"],
                "supabase-db": ["password"], "supabase-jwt": ["anonKey", "secret", "serviceKey"], "supabase-meta": ["cryptoKey"],
                "supabase-object-store": ["password", "user"], "supabase-realtime": ["dbEncKey", "secretKeyBase"],
                "supabase-s3": ["accessKey", "keyId"], "supabase-smtp": ["password", "username"],
            ]
            let references = (values["secret"]?.pairs ?? []).compactMap { $0.value["secretRef"]?.scalarText }
            #expect(Set(references) == Set(expectedKeys.keys))
            for (name, keys) in expectedKeys {
                let object = try #require(externalSecrets[name], "\(name)")
                #expect(object["metadata"]?["namespace"] == .string(ClusterNamespaces.supabase))
                let template = Set((object["spec"]?["target"]?["template"]?["data"]?.pairs ?? []).map(\.key))
                let fetched = Set((object["spec"]?["data"]?.items ?? []).compactMap { $0["secretKey"]?.scalarText })
                #expect((template.isEmpty ? fetched : template) == keys, "\(name)")
            }
            let printed = YAMLPrinter.print(documents: [values] + Supabase.objects(context))
            #expect(!printed.contains("your-super-secret"))
        }
    }

    /// The store gets Supabase's roles (login roles with the password Supabase reads) and
    /// the schemas its services migrate into; the other stores get nothing.
    @Test func storeCarriesSupabasesRoles() throws {
        let context = try Self.context(try Self.harbor(), "production-ch")
        let identity = try #require(context.dataStore("identity"))
        let records = try #require(context.dataStore("records"))
        let roles = (DataStores.values(identity, context)["cluster"]?["roles"]?.items ?? []).compactMap { $0["name"]?.scalarText }
        #expect(Set(Supabase.loginRoles + Supabase.apiRoles).isSubset(of: Set(roles)))
        let sql = (DataStores.values(identity, context)["cluster"]?["initdb"]?["postInitSQL"]?.items ?? []).compactMap(\.scalarText)
        #expect(sql.contains("CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;"))
        #expect(DataStores.values(records, context)["cluster"]?["initdb"]?["postInitSQL"] == nil)
        let recordRoles = (DataStores.values(records, context)["cluster"]?["roles"]?.items ?? []).compactMap { $0["name"]?.scalarText }
        #expect(recordRoles.allSatisfy { !Supabase.loginRoles.contains($0) })
        let secrets = DataStores.objects(identity, context).filter { $0["kind"] == .string("ExternalSecret") }
        for role in Supabase.loginRoles {
            #expect(secrets.contains { $0["spec"]?["target"]?["template"]?["data"]?["username"] == .string(role) }, "\(role)")
        }
        let password = SecretStores.remoteReference(Supabase.databasePasswordKey(context), context).key
        #expect(SecretStores.remoteKeys(readBy: Supabase.objects(context)).contains(password))
    }

    @Test func storageUserIsLimitedToSupabasesBucket() throws {
        let context = try Self.context(try Self.harbor(), "production-ch")
        let archive = try #require(context.dataStore("archive"))
        let users = ObjectStoreUsers.users(archive, context)
        let supabase = try #require(users.first { $0.client == .supabase })
        #expect(supabase.grants == [ObjectStoreUsers.Grant(bucket: "uploads", prefix: "")])
        for user in users where user.client != .supabase {
            #expect(!user.grants.contains { $0.bucket == "uploads" }, "\(user.accessKey)")
        }
    }

    /// The rendered NetworkPolicies, evaluated: Supabase reaches its two stores, nothing
    /// else of the platform reaches them for it, the ingress controller reaches only Kong.
    @Test func networkAllowsOnlySupabasesEdges() throws {
        let context = try Self.context(try Self.harbor(), "production-ch")
        let edges = ServiceGraph.edges(context)
        var objects = ClusterNamespaces.objects(context) + NetworkAllowlists.platformPolicies(context, edges: edges)
        for namespace in ClusterNamespaces.workloads(context) {
            objects += NetworkAllowlists.workloadPolicies(namespace, context, edges: edges)
        }
        var namespaces = GitOps.namespaceLabels(objects)
        namespaces["kube-system"] = [:]
        let evaluator = ReachabilityEvaluator(objects: objects, namespaceLabels: namespaces)
        func pod(_ name: String, _ namespace: String, _ labels: [String: String]) -> ReachabilityEvaluator.Endpoint {
            .pod(.init(name: name, namespace: namespace, labels: labels))
        }
        func supabase(_ component: String) -> ReachabilityEvaluator.Endpoint {
            pod(component, ClusterNamespaces.supabase, [Labels.name: "supabase-\(component)", Labels.instance: "supabase"])
        }
        let identity = pod("identity-1", "data-identity", ["cnpg.io/cluster": "identity"])
        let records = pod("records-1", "data-records", ["cnpg.io/cluster": "records"])
        let archive = pod("archive-0", "data-archive", [Labels.name: "minio"])
        let recordsAPI = pod("records-api", ClusterNamespaces.apps, [Labels.name: "records-api"])
        let ingress = pod("controller", ClusterNamespaces.ingressNginx, [Labels.name: "ingress-nginx", Labels.component: "controller"])

        #expect(evaluator.allows(from: supabase("auth"), to: identity, port: PortProtocol(5432)))
        #expect(evaluator.allows(from: supabase("storage"), to: archive, port: PortProtocol(9000)))
        #expect(evaluator.allows(from: supabase("kong"), to: supabase("auth"), port: PortProtocol(9999)))
        #expect(evaluator.allows(from: ingress, to: supabase("kong"), port: Supabase.gatewayPort))
        #expect(!evaluator.allows(from: ingress, to: supabase("studio"), port: PortProtocol(3000)))
        #expect(!evaluator.allows(from: ingress, to: supabase("auth"), port: PortProtocol(9999)))
        #expect(!evaluator.allows(from: supabase("auth"), to: records, port: PortProtocol(5432)))
        #expect(!evaluator.allows(from: recordsAPI, to: identity, port: PortProtocol(5432)))
        #expect(!evaluator.allows(from: recordsAPI, to: supabase("kong"), port: Supabase.gatewayPort))
        #expect(!evaluator.allows(from: supabase("auth"), to: .external("203.0.113.10"), port: PortProtocol(443)))
    }
}
