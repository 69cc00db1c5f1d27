import BlueprintModel
import Foundation
import Renderer
import Templates
import TestSupport
import Testing
import Yams

/// checkov (PyPI, pinned by scripts/install-deps.sh) on what every committed
/// blueprint generates: the Terraform (`infra`, modules and stacks together, so
/// checkov follows the module calls) and what each cluster applies, the built
/// `kubectl kustomize` overlay and the bootstrap kustomization's own resources
/// (the Argo CD chart it inflates is upstream's). Kyverno's policy examples are
/// deliberately bad Pods outside every overlay and are not scanned.
///
/// Expected: no failed check. A check the generator does not meet carries an
/// in-line `checkov:skip` with its reason in the generated file (``CheckovSkip``).
@Suite(.serialized) struct CheckovTests {
    static let blueprints = ["galaxy", "meridian/meridian", "harbor/harbor", "atlas/atlas"]

    struct Finding: CustomStringConvertible {
        var check: String
        var resource: String
        var file: String
        var description: String { "\(check) \(resource) (\(file))" }
    }

    struct Report {
        var failed: [Finding]
        var passed: Int
        var skipped: Int
        var parsingErrors: Int
    }

    /// The checkov executable: on PATH, or in the virtual environment
    /// scripts/install-deps.sh makes; nil (after recording why) when missing outside CI.
    static func checkov() throws -> String? {
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache").path
        let venv = "\(cache)/scaffold/checkov/bin/checkov"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        guard try TestTools.require("checkov") else {
            Issue.record("checkov is not installed (scripts/install-deps.sh --test): the scan did not run (CI fails here)")
            return nil
        }
        return "checkov"
    }

    /// Runs checkov on `folder` with one framework, offline, and reads its JSON report.
    static func scan(_ checkov: String, _ folder: URL, framework: String) throws -> Report {
        let result = try TestTools.run(checkov, [
            "--directory", folder.path, "--framework", framework, "--skip-download", "--quiet", "--output", "json",
        ])
        // checkov exits 1 when a check fails; anything else is a crash.
        #expect(result.status == 0 || result.status == 1, "checkov \(framework) exited \(result.status): \(result.stderr.suffix(2000))")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let reports = (json as? [[String: Any]]) ?? [json as? [String: Any] ?? [:]]
        var report = Report(failed: [], passed: 0, skipped: 0, parsingErrors: 0)
        for entry in reports {
            // With nothing to scan checkov prints only a summary.
            let summary = entry["summary"] as? [String: Any] ?? entry
            report.passed += summary["passed"] as? Int ?? 0
            report.skipped += summary["skipped"] as? Int ?? 0
            report.parsingErrors += summary["parsing_errors"] as? Int ?? 0
            let failed = (entry["results"] as? [String: Any])?["failed_checks"] as? [[String: Any]] ?? []
            report.failed += failed.map {
                Finding(check: $0["check_id"] as? String ?? "?", resource: $0["resource"] as? String ?? "?", file: $0["file_path"] as? String ?? "?")
            }
        }
        return report
    }

    static func write(_ files: [RenderedFile], to folder: URL) throws {
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    @Test(arguments: blueprints)
    func terraformHasNoFailedCheck(_ name: String) throws {
        guard let checkov = try Self.checkov() else { return }
        let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let folder = try TemporaryDirectory(prefix: "checkov-terraform")
        let files = Generator.plan(for: loaded).files(in: .infra)
        try Self.write(files, to: folder.url)
        let report = try Self.scan(checkov, folder.url, framework: "terraform")
        #expect(report.failed.map(\.description) == [], "\(name)")
        #expect(report.parsingErrors == 0, "\(name)")
        // A cloud's resources were really scanned (the on-premises stacks have none).
        if loaded.base.regions.contains(where: { $0.cloud != "onprem" }) {
            #expect(report.passed > 0, "\(name): nothing was scanned")
        }
        print("checkov terraform \(name): \(report.passed) passed, \(report.failed.count) failed, \(report.skipped) skipped")
    }

    @Test(arguments: blueprints)
    func clustersHaveNoFailedCheck(_ name: String) throws {
        guard let checkov = try Self.checkov(), try TestTools.require("kubectl") else { return }
        let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/\(name).yaml").path)
        let ops = try TemporaryDirectory(prefix: "checkov-ops")
        try Self.write(Generator.plan(for: loaded).files(in: .ops), to: ops.url)
        let scanned = try TemporaryDirectory(prefix: "checkov-clusters")
        for scope in loaded.clusters {
            let overlay = ops.url.appendingPathComponent(ClusterOverlays.directory(scope))
            let built = try TestTools.run("kubectl", ["kustomize", overlay.path])
            #expect(built.succeeded, "kubectl kustomize \(scope.name): \(built.stderr)")
            try built.stdout.write(to: scanned.url.appendingPathComponent("\(scope.name).yaml"), atomically: true, encoding: .utf8)

            // The bootstrap's own resources (its helmCharts entry is Argo CD's upstream chart).
            let bootstrap = ops.url.appendingPathComponent("cluster/bootstrap/\(scope.name)")
            let kustomization = try String(contentsOf: bootstrap.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
            let resources = try #require(try Yams.load(yaml: kustomization) as? [String: Any])["resources"] as? [String] ?? []
            #expect(!resources.isEmpty, "\(scope.name): the bootstrap lists no resources")
            let target = scanned.url.appendingPathComponent("bootstrap-\(scope.name)")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for resource in resources {
                try FileManager.default.copyItem(at: bootstrap.appendingPathComponent(resource), to: target.appendingPathComponent(resource))
            }
        }
        let report = try Self.scan(checkov, scanned.url, framework: "kubernetes")
        #expect(report.failed.map(\.description) == [], "\(name)")
        #expect(report.parsingErrors == 0, "\(name)")
        #expect(report.passed > 100 * loaded.clusters.count, "\(name): \(report.passed) passed")
        print("checkov kubernetes \(name): \(report.passed) passed, \(report.failed.count) failed, \(report.skipped) skipped")
    }
}
