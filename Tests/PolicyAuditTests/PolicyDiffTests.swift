import Foundation
import PolicyAudit
import Testing

/// Real edits of the example blueprint, rendered both ways and compared by meaning:
/// each change classed and traced to the line that caused it.
@Suite struct PolicyDiffTests {
    static let allClusters = ["dev-local-tr", "production-es", "production-tr", "staging-es", "staging-tr"]

    func diff(_ edit: (GalaxyCopy) throws -> Void) throws -> (report: DiffReport, copy: GalaxyCopy, base: GalaxyCopy) {
        let base = try GalaxyCopy()
        let copy = try GalaxyCopy()
        try edit(copy)
        let report = pipeline.diff(from: try base.subject(label: "before"), to: try copy.subject(label: "after"))
        return (report, copy, base)
    }

    @Test func identicalBlueprintsHaveNoFindings() throws {
        let subject = try Galaxy.load()
        let report = pipeline.diff(from: subject, to: subject)
        #expect(report.findings.isEmpty)
        #expect(report.summary.widening == 0 && report.summary.narrowing == 0 && report.summary.neutral == 0)
    }

    @Test func addedDependencyWidensReachabilityAtTheDependsOnLine() throws {
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.blueprint, "    dependsOn:\n      - dataStore: objects\n    config:\n      MODE: mock",
                          "    dependsOn:\n      - dataStore: objects\n      - dataStore: cache\n    config:\n      MODE: mock")
        }
        let finding = try #require(report.findings.first { $0.category == .network && $0.subject == "apps/backend-ai → data-cache/*" },
                                   "\(DiffFormatter.text(report))")
        #expect(finding.classification == .widening && finding.change == .added)
        #expect(finding.detail == "newly allowed on 6379/TCP")
        #expect(finding.clusters == Self.allClusters)
        // backend-api depends on cache too: the added line is backend-ai's, two above its config.
        let line = try copy.position(of: "      MODE: mock", in: copy.blueprint).line - 2
        #expect(finding.cause?.line == line && finding.cause?.file.hasSuffix("blueprints/galaxy.yaml") == true, "\(String(describing: finding.cause))")
        #expect(finding.rendered?.file.hasPrefix("ops/cluster/") == true)
        // Nothing else about the network widened, and nothing narrowed.
        #expect(report.findings.filter { $0.category == .network && $0.classification == .widening }.map(\.subject) == ["apps/backend-ai → data-cache/*"])
        #expect(report.summary.narrowing == 0)
    }

    /// Turning on Supabase widens the network (its pods to its stores) and each finding
    /// names `components.supabase` as the cause, not a line nobody wrote.
    @Test func supabaseWideningsPointAtTheComponent() throws {
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.blueprint, "dataStores:\n  - name: postgres\n",
                          "dataStores:\n  - name: identity\n    kind: postgresql\n    storage: 10Gi\n  - name: postgres\n")
            try copy.edit(copy.blueprint, "    buckets: [uploads, backups]", "    buckets: [uploads, backups, auth-files]")
            try copy.edit(copy.blueprint, "\nbackup:\n", "\ncomponents:\n  supabase:\n    store: identity\n    objectStore: objects\n    bucket: auth-files\n\nbackup:\n")
        }
        let findings = report.findings.filter { $0.category == .network && $0.subject.hasPrefix("supabase/") && $0.classification == .widening }
        #expect(!findings.isEmpty, "\(DiffFormatter.text(report))")
        let first = try copy.position(of: "  supabase:", in: copy.blueprint).line
        let last = try copy.position(of: "    bucket: auth-files", in: copy.blueprint).line
        for finding in findings {
            let line = try #require(finding.cause?.line, "\(finding.subject): no cause")
            #expect((first...last).contains(line), "\(finding.subject): cause at line \(line), components.supabase is \(first)-\(last)")
        }
    }

    @Test func removedDependencyNarrowsReachabilityAtTheOldLine() throws {
        let (report, _, base) = try diff { copy in
            try copy.edit(copy.blueprint, "      - service: backend-api\n      - service: platform-api\n    expose: {host: app}",
                          "      - service: backend-api\n    expose: {host: app}")
        }
        let findings = report.findings.filter { $0.category == .network }
        #expect(!findings.isEmpty && findings.allSatisfy { $0.classification == .narrowing && $0.change == .removed }, "\(DiffFormatter.text(report))")
        let finding = try #require(findings.first { $0.subject == "apps/frontend → apps/platform-api" })
        #expect(finding.detail == "no longer allowed (was 8080/TCP)")
        #expect(finding.clusters == Self.allClusters)
        let line = try base.position(of: "      - service: platform-api", in: base.blueprint).line
        #expect(finding.cause?.line == line, "a removal points at the line in the older blueprint")
        #expect(report.summary.widening == 0)
    }

    @Test func enforceToAuditWidensAdmissionAtThePolicyModeLine() throws {
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.blueprint, "    domain: staging.galaxy.example.com\n    policyMode: Enforce",
                          "    domain: staging.galaxy.example.com\n    policyMode: Audit")
        }
        let relaxed = report.findings.filter { $0.category == .admission && $0.detail == "Enforce → Audit" }
        #expect(!relaxed.isEmpty, "\(DiffFormatter.text(report))")
        #expect(relaxed.allSatisfy { $0.classification == .widening && $0.clusters == ["staging-es", "staging-tr"] })
        #expect(relaxed.contains { $0.subject == "rule require-image-digest/require-image-digest" })
        #expect(relaxed.contains { $0.subject.hasPrefix("rule verify-image-signatures/") }, "image verification relaxes too")
        // dev-local already says `policyMode: Audit`: the changed line is staging's, under its domain.
        let line = try copy.position(of: "    domain: staging.galaxy.example.com", in: copy.blueprint).line + 1
        #expect(relaxed.allSatisfy { $0.cause?.line == line })
        #expect(report.findings.allSatisfy { $0.category == .admission })
    }

    @Test func newDigestIsANeutralImageChangeAtThePinsLine() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.pins, "    production: sha256:9e645af2ffca124fe6b00dac9cd047e21ed0c9aed67917547c8a75cddeae2f3c\n  backend-api:",
                          "    production: \(digest)\n  backend-api:")
        }
        let images = report.findings.filter { $0.category == .image }
        let finding = try #require(images.first { $0.subject == "Deployment apps/frontend frontend" }, "\(DiffFormatter.text(report))")
        #expect(finding.classification == .neutral && finding.change == .changed)
        #expect(finding.detail == "digest sha256:9e645af2ffca… → sha256:abababababab…")
        #expect(finding.clusters == ["production-es", "production-tr"])
        let line = try copy.position(of: "    production: \(digest)", in: copy.pins).line
        #expect(finding.cause?.line == line && finding.cause?.file.hasSuffix("galaxy.pins.yaml") == true)
        #expect(report.summary.widening == 0 && report.summary.narrowing == 0)
    }

    @Test func relaxedResidencyWidensAtTheResidencyLine() throws {
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.blueprint, "    location: spaincentral\n    residency: strict", "    location: spaincentral\n    residency: relaxed")
        }
        let relaxed = report.findings.filter { $0.category == .residency }
        #expect(relaxed.map(\.subject) == ["region es (production)", "region es (staging)"], "\(DiffFormatter.text(report))")
        #expect(relaxed.allSatisfy { $0.classification == .widening && $0.detail == "residency strict → relaxed" })
        let line = try copy.position(of: "    residency: relaxed", in: copy.blueprint).line
        #expect(relaxed.allSatisfy { $0.cause?.line == line })
        #expect(relaxed.allSatisfy { $0.rendered?.file.hasSuffix("terraform.tfvars") == true })
    }

    @Test func raisedQuotaAndNewAdminsWiden() throws {
        let (report, copy, _) = try diff { copy in
            try copy.edit(copy.blueprint, "quotas: {cpu: \"4\", memory: 8Gi, storage: 50Gi}\n    projects:",
                          "quotas: {cpu: \"6\", memory: 8Gi, storage: 50Gi}\n    admins: [bosphorus-oncall]\n    projects:")
        }
        let quotas = report.findings.filter { $0.category == .quota }
        #expect(Set(quotas.map(\.subject)) == ["tenant-bosphorus-labs limits.cpu", "tenant-bosphorus-labs requests.cpu"], "\(DiffFormatter.text(report))")
        #expect(quotas.allSatisfy { $0.classification == .widening && $0.detail == "4 → 6" && $0.clusters == ["dev-local-tr", "production-tr", "staging-tr"] })
        let quotaLine = try copy.position(of: "quotas: {cpu: \"6\"", in: copy.blueprint).line
        #expect(quotas.allSatisfy { $0.cause?.line == quotaLine })

        let grants = report.findings.filter { $0.category == .rbac }
        let role = try #require(grants.first { $0.subject == "Group bosphorus-oncall in tenant-bosphorus-labs" }, "\(DiffFormatter.text(report))")
        #expect(role.classification == .widening && role.detail.hasPrefix("gains ") && role.detail.contains("apps/deployments: create,delete,get,list,patch,update,watch"))
        let adminsLine = try copy.position(of: "    admins: [bosphorus-oncall]", in: copy.blueprint).line
        #expect(role.cause?.line == adminsLine)
        #expect(grants.contains { $0.subject == "Group bosphorus-oncall in argocd project tenant-bosphorus-labs" && $0.detail.contains("sync") })
    }

    /// Changes a blueprint cannot make but a hand edit or a generator change can, made to
    /// the rendered output: a policy expression loosened, FORCE dropped, a tenant table
    /// added without row-level security, a new admission exclusion.
    @Test func renderedChangesToRowLevelSecurityAndAdmissionExclusions() throws {
        let subject = try Galaxy.load()
        var tree = subject.tree
        let chat = try #require(tree.paths(under: "ops/db/migrations").first { $0.hasSuffix("_chat.sql") })
        tree = tree.replacing(chat, with: tree.files[chat]! + """

            ALTER POLICY chat_sessions_tenant_isolation ON app.chat_sessions
                USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

            ALTER TABLE app.projects NO FORCE ROW LEVEL SECURITY;

            CREATE TABLE app.notes (
                "org_id" uuid NOT NULL REFERENCES app.organizations ("id"),
                "body" text NOT NULL
            );

            GRANT SELECT ON TABLE app.notes TO scaffold_app;

            """)
        let policies = "ops/cluster/ops/staging-tr/policies.yaml"
        let text = try #require(tree.files[policies])
        var documents = text.components(separatedBy: "\n---\n")
        let index = try #require(documents.firstIndex { $0.contains("  name: disallow-host-path\n") })
        try #require(documents[index].contains("          namespaces:\n          - argocd\n"))
        documents[index] = documents[index].replacingOccurrences(of: "          namespaces:\n          - argocd\n",
                                                                  with: "          namespaces:\n          - apps\n          - argocd\n")
        tree = tree.replacing(policies, with: documents.joined(separator: "\n---\n"))
        let report = pipeline.diff(from: subject, to: try subject.with(tree: tree))
        func finding(_ rule: String) -> Finding? { report.findings.first { $0.rule == rule } }

        let loosened = try #require(finding("row-level-security/policy-expression-changed"), "\(DiffFormatter.text(report))")
        #expect(loosened.classification == .widening && loosened.subject == "policy app.chat_sessions.chat_sessions_tenant_isolation")
        #expect(loosened.rendered?.file == chat)
        #expect(finding("row-level-security/force-dropped")?.subject == "app.projects")
        #expect(finding("row-level-security/force-dropped")?.classification == .widening)
        let table = try #require(finding("row-level-security/table-added-unprotected"))
        #expect(table.subject == "app.notes" && table.classification == .widening && table.detail == "new tenant table without row-level security")
        #expect(finding("row-level-security/privilege-granted")?.subject == "scaffold_app on app.notes")
        let exclusion = try #require(finding("admission/exclusion-added"))
        #expect(exclusion.classification == .widening && exclusion.clusters == ["staging-tr"])
        #expect(exclusion.detail == "new exclusion of namespace apps" && exclusion.subject == "rule disallow-host-path/disallow-host-path")
        #expect(report.summary.narrowing == 0)
    }
}
