import Foundation
@testable import PolicyAudit
import Testing

/// The audit of the example, and of rendered trees corrupted after rendering: the
/// checks read the rendered output, so a hand edit or a translator bug is caught.
@Suite struct PolicyAuditorTests {
    @Test func exampleHoldsEveryInvariant() throws {
        let subject = try Galaxy.load()
        let report = pipeline.audit(subject)
        for check in report.checks {
            #expect(check.result == .pass, "\(check.id): \(check.failures.map { "\($0.subject): \($0.detail)" }.joined(separator: "\n"))")
            #expect(!check.evidence.isEmpty, "\(check.id) has evidence")
        }
        #expect(report.checks.map(\.id) == [
            "network-default-deny", "network-matches-intent", "images-digest-pinned", "images-signature-policy",
            "admission-mode", "rls-forced", "no-secret-values", "residency-held",
        ])
        let summary = report.summary
        #expect(summary.clusters == 5)
        #expect(summary.connections > 0 && summary.serviceConnections > 0 && summary.grants > 0)
        #expect(summary.rowLevelSecurityPolicies >= summary.tenantTables && summary.tenantTables >= 6)
        #expect(report.source.contentHash.count == 64 && report.generator.name == "scaffold")
        print("""
            audit of galaxy: \(summary.clusters) clusters, \(summary.endpoints) endpoints, \(summary.connections) connections \
            (\(summary.serviceConnections) service to service), \(summary.networkPolicies) NetworkPolicies, \
            \(summary.admissionPolicies) Kyverno policies with \(summary.admissionRules) rules, \(summary.grants) grants, \
            \(summary.quotaLimits) quota limits, \(summary.rowLevelSecurityPolicies) RLS policies on \(summary.tenantTables) tenant tables \
            (\(summary.tables) tables), \(summary.images) images
            """)
    }

    @Test func computedReachabilityIsExactlyTheDependencies() throws {
        let subject = try Galaxy.load()
        let cluster = try #require(subject.model.cluster("production-tr"))
        func ports(_ from: String, _ to: String) -> String? { cluster.connection(from: from, to: to)?.ports.description }
        #expect(ports("apps/frontend", "apps/backend-api") == "8080/TCP")
        #expect(ports("apps/frontend", "apps/platform-api") == "8080/TCP")
        #expect(ports("apps/backend-api", "apps/backend-ai") == "8081/TCP")
        #expect(ports("apps/backend-api", "data-postgres/*") == "5432/TCP")
        #expect(ports("apps/backend-ai", "apps/frontend") == nil)
        #expect(ports("apps/frontend", "data-postgres/*") == nil)
        #expect(ports("apps/backend-ai", "external") == nil)
        // Tenants: only within themselves (and DNS).
        #expect(ports("tenant-anatolia-health/*", "tenant-anatolia-health/*") == "any port")
        #expect(ports("tenant-anatolia-health/*", "tenant-bosphorus-labs/*") == nil)
        #expect(ports("default/*", "tenant-anatolia-health/*") == nil)
        #expect(ports("tenant-bosphorus-labs/*", "kube-system/kube-dns") == "53/TCP, 53/UDP")
    }

    /// Rewrites one rendered NetworkPolicy: its ingress now admits everyone.
    @Test func allowEverythingPolicyIsCaught() throws {
        let subject = try Galaxy.load()
        let path = "ops/cluster/apps/staging-tr/network-policies.yaml"
        let text = try #require(subject.tree.files[path])
        let corrupted = try Self.allowAllIngress(text, policy: "backend-api")
        let report = pipeline.audit(try subject.with(tree: subject.tree.replacing(path, with: corrupted)))
        let reachability = try #require(report.checks.first { $0.id == "network-matches-intent" })
        #expect(reachability.result == .fail)
        #expect(reachability.failures.contains { $0.subject == "staging-tr: default/* → apps/backend-api" && $0.detail.contains("allowed but not intended on any port") },
                "\(reachability.failures.map { "\($0.subject): \($0.detail)" })")
        #expect(reachability.failures.allSatisfy { $0.subject.hasPrefix("staging-tr: ") && $0.location?.hasPrefix(path) == true })
        #expect(report.checks.filter { $0.result == .fail }.map(\.id) == ["network-matches-intent"])
    }

    /// Rewrites the default-deny of one tenant namespace to allow every connection.
    @Test func openedDefaultDenyIsCaught() throws {
        let subject = try Galaxy.load()
        let path = "ops/cluster/tenants/production-es/iberia-care.yaml"
        let text = try #require(subject.tree.files[path])
        let marker = "  name: default-deny\n  namespace: tenant-iberia-care\n"
        try #require(text.contains(marker))
        let corrupted = text.components(separatedBy: "\n---\n").map { document in
            guard document.contains(marker) else { return document }
            return document.replacingOccurrences(of: "  policyTypes:\n  - Ingress\n  - Egress", with: "  policyTypes:\n  - Ingress\n  - Egress\n  ingress:\n  - {}\n  egress:\n  - {}")
        }.joined(separator: "\n---\n")
        try #require(corrupted != text, "the policy was rewritten")
        let report = pipeline.audit(try subject.with(tree: subject.tree.replacing(path, with: corrupted)))
        let deny = try #require(report.checks.first { $0.id == "network-default-deny" })
        #expect(deny.failures.map(\.subject) == ["production-es namespace tenant-iberia-care"])
        let reachability = try #require(report.checks.first { $0.id == "network-matches-intent" })
        #expect(reachability.failures.contains { $0.subject == "production-es: tenant-iberia-care/* → external" })
        #expect(reachability.failures.contains { $0.subject == "production-es: default/* → tenant-iberia-care/*" })
    }

    /// Drops FORCE from one table's migration.
    @Test func droppedForceIsCaught() throws {
        let subject = try Galaxy.load()
        let path = try #require(subject.tree.paths(under: "ops/db/migrations").first { $0.hasSuffix("_tenancy.sql") })
        let text = try #require(subject.tree.files[path])
        let force = "ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;\n"
        try #require(text.contains(force), "\(path) forces row-level security on app.projects")
        let report = pipeline.audit(try subject.with(tree: subject.tree.replacing(path, with: text.replacingOccurrences(of: force, with: ""))))
        let rls = try #require(report.checks.first { $0.id == "rls-forced" })
        #expect(rls.failures.map(\.subject) == ["app.projects (tenant table)"])
        #expect(rls.failures.first?.detail == "row-level security is not forced (the owner bypasses it)")
        #expect(report.checks.filter { $0.result == .fail }.map(\.id) == ["rls-forced"])
        #expect(report.matrix.rowLevelSecurity.cell(role: "scaffold_migrator", table: "app.projects", command: "SELECT")?.access == .all)
    }

    @Test func secretValuesAreCaught() throws {
        let subject = try Galaxy.load()
        let path = "ops/cluster/apps/production-es/frontend.yaml"
        let tfvars = "infra/live/es/production/terraform.tfvars"
        let text = try #require(subject.tree.files[path])
        let secret = text + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n  namespace: apps\nstringData:\n  password: hunter2\n"
        // A `_FILE` variable is a reference only inside a volume filled from a Secret.
        let platformAPI = "ops/cluster/apps/production-es/platform-api.yaml"
        let outside = try #require(subject.tree.files[platformAPI])
            .replacingOccurrences(of: "value: /var/run/secrets/scaffold/JWT_SECRET\n", with: "value: /tmp/JWT_SECRET\n")
        // An access key id names a user and passes; its secret, or an access key, in a ConfigMap does not.
        let backendAPI = "ops/cluster/apps/production-es/backend-api.yaml"
        let literal = try #require(subject.tree.files[backendAPI])
        #expect(literal.contains("  S3_ACCESS_KEY_ID: backend-api\n"))
        let leaked = literal.replacingOccurrences(of: "  S3_ACCESS_KEY_ID: backend-api\n",
                                                  with: "  S3_ACCESS_KEY_ID: backend-api\n  S3_SECRET_ACCESS_KEY: hunter2\n  ARCHIVE_ACCESS_KEY: hunter2\n")
        let tree = subject.tree.replacing(path, with: secret).replacing(tfvars, with: (subject.tree.files[tfvars] ?? "") + "db_password = \"hunter2\"\n")
            .replacing(platformAPI, with: outside).replacing(backendAPI, with: leaked)
        let report = pipeline.audit(try subject.with(tree: tree))
        let check = try #require(report.checks.first { $0.id == "no-secret-values" })
        #expect(check.failures.map(\.detail).sorted() == [
            "ConfigMap backend-api-config sets ARCHIVE_ACCESS_KEY", "ConfigMap backend-api-config sets S3_SECRET_ACCESS_KEY",
            "Deployment platform-api sets JWT_SECRET_FILE in env", "Secret leaked carries stringData values", "db_password has a literal value",
        ])
        #expect(!AuditFormatter.render(report, as: .json).contains("hunter2"), "evidence never repeats a secret")
    }

    static func allowAllIngress(_ text: String, policy: String) throws -> String {
        var documents = text.components(separatedBy: "\n---\n")
        let index = try #require(documents.firstIndex { $0.contains("kind: NetworkPolicy") && $0.contains("  name: \(policy)\n") })
        var lines = documents[index].components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "  ingress:"))
        var end = start + 1
        while end < lines.count, lines[end].hasPrefix("  - ") || lines[end].hasPrefix("    ") { end += 1 }
        lines.replaceSubrange(start..<end, with: ["  ingress:", "  - {}"])
        documents[index] = lines.joined(separator: "\n")
        return documents.joined(separator: "\n---\n")
    }
}
