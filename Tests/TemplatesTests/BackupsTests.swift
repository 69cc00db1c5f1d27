import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// Backups leave the cluster for the region's own object storage: the bucket each region's
/// Terraform stack creates (on premises, at its `backupEndpoint`), never the in-cluster
/// MinIO; Velero keeps state and non-database volumes, PostgreSQL its own WAL and base
/// backups; local clusters take none; and every cluster drills its restore.
@Suite struct BackupsTests {
    static let blueprints = ["galaxy.yaml", "meridian/meridian.yaml", "harbor/harbor.yaml", "atlas/atlas.yaml"]

    static func load(_ path: String) throws -> LoadedBlueprint {
        try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/\(path)").path)
    }

    static func objects(_ context: ClusterContext) throws -> [YAMLNode] {
        try GitOpsTree.files(for: context).filter { $0.path.hasSuffix(".yaml") && !$0.path.contains("/values/") }
            .flatMap { try GitOps.documents($0.contents) }
    }

    static func values(_ context: ClusterContext, _ file: String) throws -> YAMLNode? {
        try GitOpsTree.files(for: context).first { $0.path.hasSuffix("/values/\(file)") }.flatMap { try GitOps.documents($0.contents).first }
    }

    @Test(arguments: blueprints)
    func backupsGoToTheBucketTheRegionsTerraformStackCreates(_ blueprint: String) throws {
        let loaded = try Self.load(blueprint)
        let infra = TerraformTranslator.files(for: loaded)
        var checked = 0
        for context in ClusterContext.all(loaded) {
            let locations = try Self.objects(context).filter { GitOps.kind($0) == "BackupStorageLocation" }
            guard let target = BackupTarget.of(context) else {
                #expect(locations.isEmpty, "\(context.scope.name) has no backup target but a Velero location")
                continue
            }
            #expect(!context.environment.isLocal)
            let tfvars = try #require(infra.first { $0.path == "live/\(context.scope.region)/\(context.scope.environment)/terraform.tfvars" },
                                      "\(context.scope.name): no Terraform stack")
            // The bucket is one the region's own stack declares (Azure: a container of its storage account).
            #expect(tfvars.contents.contains("name            = \"\(target.bucket)\"") || tfvars.contents.contains("name = \"\(target.bucket)\""),
                    "\(context.scope.name): bucket \(target.bucket) is not in \(tfvars.path)")
            if case .azure(let account, _) = target.provider {
                #expect(tfvars.contents.contains("\"\(account)\""), "\(context.scope.name): storage account \(account) is not the stack's")
            }
            let location = try #require(locations.first)
            #expect(location["spec"]?["objectStorage"]?["bucket"]?.scalarText == target.bucket)
            #expect(location["spec"]?["objectStorage"]?["prefix"]?.scalarText == "velero")
            #expect(location["metadata"]?["labels"]?[Labels.region]?.scalarText == context.scope.region)
            let postgres = context.dataStores.filter { $0.kind == .postgresql }
            for store in postgres {
                let backups = try #require(try Self.values(context, "data-\(store.name).yaml")?["backups"])
                #expect(backups["enabled"]?.scalarText == "true")
                let text = YAMLPrinter.print(backups)
                #expect(text.contains(target.bucket), "\(context.scope.name) \(store.name): \(text)")
                #expect(!text.contains("svc.cluster.local"), "\(context.scope.name) \(store.name) backs up inside the cluster")
            }
            // Nothing of any backup writer points into the cluster.
            for object in try Self.objects(context) where ["BackupStorageLocation", "Schedule"].contains(GitOps.kind(object)) {
                #expect(!YAMLPrinter.print(object).contains("svc.cluster.local"))
            }
            checked += 1
        }
        if blueprint != "atlas/atlas.yaml" { #expect(checked > 0, "\(blueprint) backs up somewhere") }
    }

    @Test func strictRegionsBackUpInsideTheirRegion() throws {
        let loaded = try Self.load("galaxy.yaml")
        for context in ClusterContext.all(loaded) where context.region.residency == .strict {
            guard let target = BackupTarget.of(context) else { continue }
            switch target.provider {
            case .s3(let endpoint, _):
                #expect(endpoint == context.region.backupEndpoint || endpoint.contains(context.region.cloudLocation ?? "?"))
            case .azure:
                #expect(target.region == context.region.cloudLocation)
            case .google:
                #expect(target.region == context.region.cloudLocation)
            }
        }
        let es = try #require(ClusterContext.all(loaded).first { $0.scope.name == "production-es" })
        #expect(BackupTarget.of(es)?.provider == .azure(account: "galaxyesproduction365b91", resourceGroup: "galaxy-es-production"))
        let tr = try #require(ClusterContext.all(loaded).first { $0.scope.name == "production-tr" })
        #expect(BackupTarget.of(tr)?.provider == .s3(endpoint: "https://s3.istanbul.galaxy.example.com", region: "tr"))
        #expect(BackupTarget.of(tr)?.bucket == "galaxy-tr-production-backups-365b91")
    }

    @Test func veleroKeepsStateAndObjectDataButLeavesDatabasesToTheirOwnBackups() throws {
        let context = try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == "production-tr" })
        let schedule = try #require(try Self.objects(context).first { GitOps.kind($0) == "Schedule" })
        let namespaces = (schedule["spec"]?["template"]?["includedNamespaces"]?.items ?? []).compactMap(\.scalarText)
        #expect(namespaces == ["apps", "data-objects", "tenant-anatolia-health", "tenant-bosphorus-labs"])
        #expect(schedule["spec"]?["template"]?["defaultVolumesToFsBackup"]?.scalarText == "true")
    }

    @Test func minioHostsNoBackupBucketAndNoBackupWriter() throws {
        for context in ClusterContext.all(try GitOps.galaxy()) {
            for store in context.dataStores where store.kind == .minio {
                let values = try #require(try Self.values(context, "data-\(store.name).yaml"))
                let buckets = (values["buckets"]?.items ?? []).compactMap { $0["name"]?.scalarText }
                #expect(buckets == ["uploads"], "\(context.scope.name): \(buckets)")
                #expect(ObjectStoreUsers.users(store, context).allSatisfy { !$0.accessKey.contains("backup") })
            }
        }
    }

    @Test func localClustersTakeNoBackupsAndRunNoVelero() throws {
        let context = try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == "dev-local-tr" })
        #expect(BackupTarget.of(context) == nil)
        #expect(!PlatformComponent.installed(in: context).contains(.velero))
        #expect(RestoreDrill.objects(context).isEmpty)
    }

    @Test func eachWriterReadsItsOwnSuppliedCredential() throws {
        let context = try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == "production-es" })
        let target = try #require(BackupTarget.of(context))
        let postgres = target.credentialKeys(.postgresql(store: "postgres"), context).map(\.key)
        let velero = target.credentialKeys(.velero, context).map(\.key)
        #expect(postgres.map(\.path) == ["galaxy/cloud/backup/postgresql-postgres/storage-sas-token"])
        #expect(velero.map(\.path) == ["galaxy/cloud/backup/velero/storage-account-key"])
        #expect((postgres + velero).allSatisfy { $0.recipe == .supplied })
    }

    // MARK: Restore drill

    @Test func everyPostgresStoreThatBacksUpHasARestoreDrillThatRunsTheShippedChecks() throws {
        for context in ClusterContext.all(try GitOps.galaxy()) where BackupTarget.of(context) != nil {
            let objects = try Self.objects(context)
            let target = try #require(BackupTarget.of(context))
            for store in context.dataStores where store.kind == .postgresql {
                let namespace = "data-\(store.name)"
                let cronJob = try #require(objects.first { GitOps.kind($0) == "CronJob" && GitOps.name($0) == "\(store.name)-restore-drill" })
                #expect(GitOps.namespace(cronJob) == namespace)
                #expect(cronJob["spec"]?["schedule"]?.scalarText == context.blueprint.backup?.restoreDrill)
                let pod = try #require(cronJob["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"])
                let steps = (pod["initContainers"]?.items ?? []).compactMap { $0["name"]?.scalarText }
                #expect(steps == ["remove-previous", "restore", "wait-ready", "verify"])
                #expect(pod["nodeSelector"]?[Residency.nodeLabel]?.scalarText == context.scope.region)
                let files = try #require(objects.first { GitOps.kind($0) == "ConfigMap" && GitOps.name($0) == "\(store.name)-restore-drill" })
                #expect(files["data"]?["verify.sql"]?.scalarText == RestoreVerification.script(), "galaxy's store holds platform-api's schema")
                // The scratch cluster restores from exactly where the store archives.
                let manifest = try #require(files["data"]?["cluster.yaml"]?.scalarText)
                let scratch = try #require(try GitOps.documents(manifest).first)
                let source = try #require(scratch["spec"]?["externalClusters"]?.items.first?["barmanObjectStore"])
                #expect(source["destinationPath"]?.scalarText == target.destinationPath(.postgresql(store: store.name)))
                #expect(source["serverName"]?.scalarText == store.name)
                #expect(scratch["spec"]?["bootstrap"]?["recovery"]?["source"]?.scalarText == "origin")
                #expect(scratch["spec"]?["backup"] == nil, "the scratch cluster must never archive into the store's backups")
                let values = try #require(try Self.values(context, "data-\(store.name).yaml"))
                #expect(scratch["spec"]?["imageName"]?.scalarText == values["cluster"]?["imageName"]?.scalarText)
                // Its service account may manage only clusters, and delete only the scratch one.
                let role = try #require(objects.first { GitOps.kind($0) == "Role" && GitOps.name($0) == "\(store.name)-restore-drill" })
                let deletable = (role["rules"]?.items ?? []).filter { ($0["verbs"]?.items ?? []).contains { $0.scalarText == "delete" } }
                #expect(deletable.count == 1)
                #expect(deletable.first?["resourceNames"]?.items.first?.scalarText == "\(store.name)-drill")
            }
        }
    }

    /// A store no service migrates (harbor's Supabase store) is drilled for answering, not
    /// for the platform's tenant tables it does not hold.
    @Test func aStoreWithoutThePlatformSchemaGetsTheGenericChecks() throws {
        let loaded = try Self.load("harbor/harbor.yaml")
        let context = try #require(ClusterContext.all(loaded).first { $0.scope.name == "production-ch" })
        let scripts = Dictionary(uniqueKeysWithValues: context.dataStores.filter { $0.kind == .postgresql }
            .map { ($0.name, RestoreDrill.verification($0, context)) })
        #expect(scripts.count == 2)
        #expect(scripts.values.filter { $0 == RestoreVerification.script() }.count == 1)
        #expect(scripts.values.filter { $0 == RestoreVerification.genericScript() }.count == 1)
    }

    @Test func failedAndStaleDrillsAlert() throws {
        let context = try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == "production-tr" })
        let rule = try #require(PlatformAlerts.objects(context).first)
        let alerts = Dictionary(uniqueKeysWithValues: (rule["spec"]?["groups"]?.items ?? []).flatMap { $0["rules"]?.items ?? [] }
            .compactMap { rule in rule["alert"]?.scalarText.map { ($0, rule["expr"]?.scalarText ?? "") } })
        #expect(alerts["PostgresRestoreDrillFailed"]?.contains(#"kube_job_failed{namespace="data-postgres", job_name=~"postgres-restore-drill-.+", condition="true"}"#) == true)
        #expect(alerts["PostgresRestoreDrillMissing"]?.hasSuffix("> 1296000") == true)
    }

    @Test func drillAlertsFireOnAFailedJobWithPromtool() throws {
        guard try TestTools.require("promtool") else {
            Issue.record("promtool missing (apt-get install prometheus)")
            return
        }
        let context = try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == "production-tr" })
        let rule = try #require(PlatformAlerts.objects(context).first)
        let folder = try TemporaryDirectory(prefix: "drill-alerts")
        try YAMLPrinter.print(.map([("groups", rule["spec"]?["groups"] ?? .sequence([]))]))
            .write(to: folder.url.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let failed = "kube_job_failed{namespace=\"data-postgres\",job_name=\"postgres-restore-drill-29000000\",condition=\"true\"}"
        let other = "kube_job_failed{namespace=\"data-postgres\",job_name=\"postgres-migrate-1\",condition=\"true\"}"
        let tests = """
            rule_files: [rules.yaml]
            evaluation_interval: 1m
            tests:
            - interval: 1m
              input_series:
              - series: '\(failed)'
                values: '0 0 1x10'
              - series: '\(other)'
                values: '1x12'
              alert_rule_test:
              - eval_time: 1m
                alertname: PostgresRestoreDrillFailed
                exp_alerts: []
              - eval_time: 10m
                alertname: PostgresRestoreDrillFailed
                exp_alerts:
                - exp_labels: {severity: critical, store: postgres, job_name: postgres-restore-drill-29000000}
                  exp_annotations:
                    summary: "postgres: the latest backup did not restore and verify in the restore drill (its Job's log says which step; its scratch cluster is kept for inspection)"
            - interval: 1m
              input_series:
              - series: 'kube_cronjob_status_last_successful_time{namespace="data-postgres",cronjob="postgres-restore-drill"}'
                values: '0x23100'
              alert_rule_test:
              - eval_time: 14d
                alertname: PostgresRestoreDrillMissing
                exp_alerts: []
              - eval_time: 16d
                alertname: PostgresRestoreDrillMissing
                exp_alerts:
                - exp_labels: {severity: warning, store: postgres}
                  exp_annotations:
                    summary: "postgres: no restore drill has passed in 15 days"

            """
        try tests.write(to: folder.url.appendingPathComponent("test.yaml"), atomically: true, encoding: .utf8)
        let result = try TestTools.run("promtool", ["test", "rules", "test.yaml"], cwd: folder.url)
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }
}
