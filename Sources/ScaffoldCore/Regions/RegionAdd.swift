public import BlueprintModel
import Foundation
import Renderer
import Templates

/// What `scaffold region add` is asked for; nil fields take the defaults.
public struct RegionAddRequest: Sendable {
    public var blueprint: String
    public var overlays: String?
    public var id: String
    public var country: String
    public var cloud: String
    /// Default: the cloud's first location in the country (``CloudLocations``); none for `onprem`.
    public var location: String?
    /// Default: every environment the blueprint declares except local ones.
    public var environments: [String]?
    /// Default: `strict`.
    public var residency: String?
    /// Render and commit into the ops and infra repositories afterwards, exactly as
    /// `scaffold generate --ops-repo` does (its `blueprint` is this request's).
    public var delivery: GitGenerationOptions?

    public init(blueprint: String, overlays: String? = nil, id: String, country: String, cloud: String,
                location: String? = nil, environments: [String]? = nil, residency: String? = nil,
                delivery: GitGenerationOptions? = nil) {
        self.blueprint = blueprint
        self.overlays = overlays
        self.id = id
        self.country = country
        self.cloud = cloud
        self.location = location
        self.environments = environments
        self.residency = residency
        self.delivery = delivery
    }
}

/// What `scaffold region add` did, and what an operator does next (`--format json`).
public struct RegionAddReport: Codable, Sendable {
    public struct Cluster: Codable, Sendable, Equatable {
        public var cluster: String
        public var environment: String
        /// The bootstrap kustomization in the ops repository, applied once to the empty cluster.
        public var bootstrap: String
        /// The commands that apply it (a local cluster is created from its k3d.yaml first).
        public var commands: [String]
        /// The secret store and the keys it must hold before the first sync (names only).
        public var store: String
        public var provider: String
        public var secretKeys: [String]
    }

    public var blueprint: String
    public var region: String
    public var country: String
    public var cloud: String
    public var location: String?
    public var residency: String
    public var environments: [String]
    /// The lines of the blueprint the region was written on (1-based, inclusive).
    public var lines: ClosedRange<Int>
    /// The Terraform stacks of the region in the infra repository, in the order to apply them.
    public var terraformStacks: [String]
    public var clusters: [Cluster]
    /// The commit made with `--ops-repo`, when one was asked for.
    public var delivery: GitGenerationReport?
}

/// `scaffold region add`: appends a region to the blueprint in place (``RegionEditor``),
/// validates the edited blueprint with the real loader before anything is written,
/// replaces the file atomically, and reports the new clusters' bootstrap checklist,
/// read from what the generator renders for them.
public enum RegionAdd {
    public static func run(_ request: RegionAddRequest) throws -> RegionAddReport {
        guard let data = FileManager.default.contents(atPath: request.blueprint), let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticsError([.error("cannot read `\(request.blueprint)`", at: SourceLocation(file: request.blueprint, line: 0, column: 0),
                                           hint: "check the path")])
        }
        let current = try Pipeline.load(blueprint: request.blueprint, overlays: request.overlays)
        let region = try newRegion(request, in: current.base)
        let edited = try RegionEditor.adding(region, to: text, file: request.blueprint)

        let added = PinsEditor.lines(of: edited).count - PinsEditor.lines(of: text).count
        let first = zip(PinsEditor.lines(of: text), PinsEditor.lines(of: edited)).prefix { $0.text == $1.text }.count + 1
        let lines = first...max(first, first + added - 1)

        // The edited blueprint, with its real pins and overlays, before it is written.
        let files = BlueprintFiles.disk.replacing(request.blueprint, with: Data(edited.utf8))
        let loaded: LoadedBlueprint
        do {
            loaded = try BlueprintLoader.load(path: request.blueprint, overlaysDirectory: request.overlays, files: files)
        } catch {
            throw relocated(error, file: request.blueprint, inserted: lines, added: added)
        }
        try writeAtomically(Data(edited.utf8), to: request.blueprint)

        var result = try report(region, loaded: loaded, blueprint: request.blueprint, lines: lines)
        if var delivery = request.delivery {
            // The blueprint is written and valid: a failing commit leaves it so, and
            // `scaffold generate --ops-repo` retries the delivery alone.
            delivery.blueprint = request.blueprint
            delivery.overlays = request.overlays
            result.delivery = try GitDelivery.generate(delivery)
        }
        return result
    }

    /// Problems of the edited blueprint, which is not written: those in the new region
    /// point at the command line, those below it at their lines in the file as it is.
    static func relocated(_ error: DiagnosticsError, file: String, inserted: ClosedRange<Int>, added: Int) -> DiagnosticsError {
        DiagnosticsError(error.diagnostics.map { diagnostic in
            var diagnostic = diagnostic
            guard diagnostic.location.file == file else { return diagnostic }
            if inserted.contains(diagnostic.location.line) {
                diagnostic.location = .generated("scaffold region add")
            } else if diagnostic.location.line > inserted.upperBound {
                diagnostic.location.line -= added
            }
            return diagnostic
        })
    }

    /// The region with its defaults filled in; flags that cannot work are refused here,
    /// with a hint, before the file is touched.
    static func newRegion(_ request: RegionAddRequest, in blueprint: Blueprint) throws(DiagnosticsError) -> RegionEditor.NewRegion {
        let flag = SourceLocation.generated("scaffold region add")
        var d = DiagnosticCollector()
        if !BlueprintSchema.clouds.contains(request.cloud) {
            d.error("unknown cloud `\(request.cloud)`", at: flag, hint: Suggestion.hint(for: request.cloud, in: BlueprintSchema.clouds, noun: "cloud"))
        }
        let residency = request.residency ?? Region.Residency.strict.rawValue
        if Region.Residency(rawValue: residency) == nil {
            d.error("unknown residency `\(residency)`", at: flag, hint: "expected `strict` or `relaxed`")
        }
        var location = request.location
        if location == nil, CloudLocations.locations(of: request.cloud) != nil {
            location = CloudLocations.locations(of: request.cloud, in: request.country).first
            if location == nil {
                let others = CloudLocations.alternatives(to: request.cloud, in: request.country)
                    .map { "--cloud \($0.cloud) (\($0.locations.map { "`\($0)`" }.joined(separator: ", ")))" }
                d.error("\(request.cloud) has no location in \(request.country)", at: flag,
                        hint: "use --cloud onprem" + (others.isEmpty ? "" : ", or " + others.joined(separator: ", or "))
                            + (residency == "relaxed" ? ", or pass --location" : ""))
            }
        }
        let environments = request.environments ?? blueprint.environments.filter { !$0.isLocal }.map(\.name)
        if environments.isEmpty {
            d.error("the blueprint has no environment besides local ones", at: flag, hint: "pass --environments")
        }
        try d.check()
        return RegionEditor.NewRegion(id: request.id, country: request.country, cloud: request.cloud, location: location,
                                      residency: residency, environments: environments)
    }

    /// The checklist, read from the rendered output of the new region's clusters.
    static func report(_ region: RegionEditor.NewRegion, loaded: LoadedBlueprint, blueprint: String, lines: ClosedRange<Int>) throws -> RegionAddReport {
        let plan = Pipeline.render(loaded)
        // Terraform: the region's one-off bootstrap stack (its state storage), then its live
        // stacks in the blueprint's environment order.
        let infraFolders = Set(plan.files(in: .infra).map { ($0.path as NSString).deletingLastPathComponent })
        var stacks = infraFolders.filter { $0 == "bootstrap/\(region.id)" }.sorted()
        for environment in loaded.base.environments where infraFolders.contains("live/\(region.id)/\(environment.name)") {
            stacks.append("live/\(region.id)/\(environment.name)")
        }

        let secrets = Dictionary(uniqueKeysWithValues: try SecretInventory.clusters(loaded, region: region.id).map { ($0.cluster, $0) })
        let opsPaths = Set(plan.files(in: .ops).map(\.path))
        var clusters: [RegionAddReport.Cluster] = []
        for scope in loaded.clusters where scope.region == region.id {
            let bootstrap = "cluster/bootstrap/\(scope.name)"
            guard opsPaths.contains("\(bootstrap)/kustomization.yaml") else { continue }
            var commands: [String] = []
            if opsPaths.contains("\(bootstrap)/k3d.yaml") { commands.append("k3d cluster create --config \(bootstrap)/k3d.yaml") }
            commands.append("kubectl kustomize --enable-helm \(bootstrap) | kubectl apply --server-side -f -")
            let inventory = secrets[scope.name]
            clusters.append(RegionAddReport.Cluster(
                cluster: scope.name, environment: scope.environment, bootstrap: bootstrap, commands: commands,
                store: inventory?.store ?? "", provider: inventory?.provider ?? "", secretKeys: inventory?.keys.map(\.key) ?? []))
        }
        return RegionAddReport(blueprint: blueprint, region: region.id, country: region.country, cloud: region.cloud,
                               location: region.location, residency: region.residency, environments: region.environments,
                               lines: lines, terraformStacks: stacks, clusters: clusters, delivery: nil)
    }

    /// Replaces the file in one rename: a reader sees the old blueprint or the new one,
    /// never half of it. The file keeps its permissions.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).scaffold-\(ProcessInfo.processInfo.processIdentifier)")
        let permissions = (try? FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions]) ?? nil
        try data.write(to: temporary)
        do {
            if let permissions { try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary.path) }
            guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    // MARK: Text

    /// The checklist for people.
    public static func text(_ report: RegionAddReport, secretsCommand: String) -> String {
        let clusters = report.clusters.map(\.cluster)
        var out = "added region \(report.region) (\(report.country), \(report.cloud)\(report.location.map { " \($0)" } ?? ""), \(report.residency))"
        out += " to \(report.blueprint), lines \(report.lines.lowerBound)-\(report.lines.upperBound): clusters \(clusters.joined(separator: ", "))\n"
        out += "\nbootstrap checklist:\n"
        var step = 1
        if !report.terraformStacks.isEmpty {
            out += "\(step). apply the Terraform stacks, in this order (infra repository):\n"
            for stack in report.terraformStacks {
                out += "     \(stack)\(stack.hasPrefix("bootstrap/") ? "   (once: the region's state storage)" : "")\n"
            }
            step += 1
        }
        out += "\(step). fill each cluster's secret store (how to make each key: \(secretsCommand)):\n"
        for cluster in report.clusters {
            out += "     \(cluster.cluster): store \(cluster.store) (\(cluster.provider)), \(cluster.secretKeys.count) keys\n"
            for key in cluster.secretKeys { out += "       \(key)\n" }
        }
        step += 1
        out += "\(step). apply each cluster's bootstrap once (ops repository); Argo CD syncs the rest:\n"
        for cluster in report.clusters {
            for command in cluster.commands { out += "     \(command)\n" }
        }
        return out
    }
}
