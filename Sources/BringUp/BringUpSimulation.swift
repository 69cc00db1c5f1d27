import Dispatch
import Foundation
import Manifests
import Synchronization

/// The bring-up of every cluster of a generated ops tree, from an empty cluster with
/// only `cluster/bootstrap/<cluster>/` applied, in Argo CD's order
/// (see ../shared/design/bringup-semantics.md for the rules and their sources).
///
/// The objects of a cluster are the bootstrap, the built overlay the root Application
/// syncs, and every child Application's chart rendered at its pinned version with the
/// generated values in its destination namespace, hooks included. Over them the checks
/// in `BringUpChecks` run.
public struct BringUpSimulation: Sendable {
    /// The files of the ops repository, by path.
    public var files: [String: String]
    /// The ops repository's URL, as Applications name it (`$values` refs resolve to `files`).
    public var opsRepository: String
    public var renderer: ChartRenderer
    /// Decides admission for pod-producing objects; nil skips the admission check.
    public var admission: (any AdmissionEvaluator)?

    public init(files: [String: String], opsRepository: String, renderer: ChartRenderer, admission: (any AdmissionEvaluator)? = nil) {
        self.files = files
        self.opsRepository = opsRepository
        self.renderer = renderer
        self.admission = admission
    }

    /// The clusters of the tree: one per `cluster/overlays/<name>/`.
    public var clusters: [String] {
        files.keys.compactMap { path -> String? in
            let parts = path.split(separator: "/")
            guard parts.count == 4, parts[0] == "cluster", parts[1] == "overlays", parts[3] == "kustomization.yaml" else { return nil }
            return String(parts[2])
        }.sorted()
    }

    /// Simulates every cluster (charts rendered on all cores); findings sorted.
    public func run(clusters selected: [String]? = nil) -> [ClusterBringUp] {
        let names = selected ?? clusters
        let results = Mutex<[String: ClusterBringUp]>([:])
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            let result = simulate(names[index])
            results.withLock { $0[names[index]] = result }
        }
        return names.compactMap { name in results.withLock { $0[name] } }
    }

    /// One cluster.
    public func simulate(_ cluster: String) -> ClusterBringUp {
        var state = ClusterState(cluster: cluster)
        let bootstrapDirectory = "cluster/bootstrap/\(cluster)"
        guard files["\(bootstrapDirectory)/kustomization.yaml"] != nil else {
            state.findings.append(Finding(.project, cluster: cluster, application: "bootstrap", object: bootstrapDirectory,
                                          message: "no bootstrap kustomization: nothing installs Argo CD, the AppProjects and the root Application"))
            return state.result
        }
        do {
            let bootstrap = try bootstrapObjects(bootstrapDirectory, state: &state)
            state.add(bootstrap, application: Application.bootstrap, stage: Int.min)
        } catch {
            state.findings.append(Finding(.render, cluster: cluster, application: "bootstrap", object: bootstrapDirectory, message: "\(error)"))
            return state.result
        }
        // Every Application the bootstrap applies is a root: its objects come in its waves.
        let roots = state.tasks.filter { $0.object.kind == "Application" }.map(\.object)
        for root in roots {
            let application = Application(root)
            state.applications.append(application)
            let objects = sourceObjects(application, apiVersions: [], state: &state)
            let rootTasks = objects.compactMap { object -> SyncTask? in
                guard let order = SyncOrder.of(object) else { return nil }
                return SyncTask(object: object, order: order, application: application.name, stage: order.wave)
            }
            state.tasks += rootTasks
            // The root's child Applications, each synced once the root reaches its wave.
            for task in rootTasks where task.object.kind == "Application" && task.object.name != application.name {
                let child = Application(task.object, parent: application.name, stage: task.stage)
                state.applications.append(child)
                let apiVersions = state.apiVersions(before: task.stage)
                for object in sourceObjects(child, apiVersions: apiVersions, state: &state) {
                    guard let order = SyncOrder.of(object) else { continue }
                    state.tasks.append(SyncTask(object: object, order: order, application: child.name, stage: task.stage))
                }
            }
        }
        BringUpChecks(state: state, admission: admission).run(into: &state.findings)
        return state.result
    }

    /// The bootstrap's objects: its resources, and its `helmCharts` rendered (Argo CD).
    func bootstrapObjects(_ directory: String, state: inout ClusterState) throws -> [ManifestObject] {
        var objects = try KustomizeBuild(files: files).build(directory)
        let path = "\(directory)/kustomization.yaml"
        let kustomization = try ManifestReader.documents(files[path] ?? "", file: path).first
        for chart in kustomization?["helmCharts"]?.items ?? [] {
            let valuesFile = chart["valuesFile"]?.string.map { KustomizeBuild.normalize("\(directory)/\($0)") }
            let values = try valuesFile.map { file -> String in
                guard let contents = files[file] else { throw ChartRenderer.RenderError(message: "\(path): values file \(file) does not exist") }
                return contents
            }
            let request = ChartRenderer.Request(
                repository: chart["repo"]?.string ?? "", chart: chart["name"]?.string ?? "", version: chart["version"]?.string ?? "",
                release: chart["releaseName"]?.string ?? chart["name"]?.string ?? "", namespace: chart["namespace"]?.string ?? "default",
                values: values.map { [$0] } ?? [], apiVersions: [])
            let rendered = try renderer.render(request)
            state.renders["\(Application.bootstrap)/\(request.chart)", default: ""] += rendered
            objects += try namespaced(ManifestReader.objects(rendered, file: "\(path) helmCharts \(request.chart)@\(request.version)"),
                                      in: request.namespace, state: state)
        }
        return objects
    }

    /// The objects an Application's sources produce (rendered charts, built paths).
    func sourceObjects(_ application: Application, apiVersions: [String], state: inout ClusterState) -> [ManifestObject] {
        var objects: [ManifestObject] = []
        for source in application.sources {
            if let chart = source["chart"]?.string {
                let helm = source["helm"]
                var values: [String] = []
                var missing: [String] = []
                for file in helm?["valueFiles"]?.strings ?? [] {
                    if let contents = resolve(file, in: application) { values.append(contents) } else { missing.append(file) }
                }
                if let inline = helm?["values"]?.string { values.append(inline) }
                if !missing.isEmpty {
                    state.findings.append(Finding(.render, cluster: state.cluster, application: application.name, object: "chart \(chart)",
                                                  message: "value files not found in the ops repository: \(missing.joined(separator: ", "))",
                                                  location: application.object.location))
                    continue
                }
                let request = ChartRenderer.Request(
                    repository: source["repoURL"]?.string ?? "", chart: chart, version: source["targetRevision"]?.string ?? "",
                    release: helm?["releaseName"]?.string ?? application.name, namespace: application.destinationNamespace ?? "default",
                    values: values, apiVersions: apiVersions)
                do {
                    let rendered = try renderer.render(request)
                    state.renders[application.name, default: ""] += rendered
                    let file = "\(application.name): chart \(chart)@\(request.version)"
                    objects += try namespaced(ManifestReader.objects(rendered, file: file), in: request.namespace, state: state)
                } catch {
                    state.findings.append(Finding(.render, cluster: state.cluster, application: application.name, object: "chart \(chart)@\(request.version)",
                                                  message: "\(error)", location: application.object.location))
                }
            } else if let path = source["path"]?.string {
                guard source["repoURL"]?.string == opsRepository else {
                    state.findings.append(Finding(.render, cluster: state.cluster, application: application.name, object: "path \(path)",
                                                  message: "source \(source["repoURL"]?.string ?? "") is not the ops repository; cannot build it offline",
                                                  location: application.object.location))
                    continue
                }
                do {
                    let built = try KustomizeBuild(files: files).build(path)
                    objects += application.destinationNamespace.map { namespace in
                        built.map { object in
                            var object = object
                            if object.namespace == nil, !state.isClusterScoped(object) { object.namespace = namespace }
                            return object
                        }
                    } ?? built
                } catch {
                    state.findings.append(Finding(.render, cluster: state.cluster, application: application.name, object: "path \(path)",
                                                  message: "\(error)", location: application.object.location))
                }
            }
        }
        return objects
    }

    /// A `$values/<path>` value file of the ops repository.
    func resolve(_ valueFile: String, in application: Application) -> String? {
        guard valueFile.hasPrefix("$") else { return nil }
        let parts = valueFile.dropFirst().split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let reference = String(parts[0])
        guard application.sources.contains(where: { $0["ref"]?.string == reference && $0["repoURL"]?.string == opsRepository }) else { return nil }
        return files[String(parts[1])]
    }

    /// Rendered objects without a namespace land in the release namespace (namespaced kinds only).
    func namespaced(_ objects: [ManifestObject], in namespace: String, state: ClusterState) -> [ManifestObject] {
        objects.map { object in
            var object = object
            if object.namespace == nil, !state.isClusterScoped(object, extra: objects) { object.namespace = namespace }
            return object
        }
    }
}

/// What a bring-up found for one cluster.
public struct ClusterBringUp: Sendable {
    public var cluster: String
    public var findings: [Finding]
    /// Applications and how many objects each syncs.
    public var applications: [(name: String, objects: Int)]
    /// Every object, as the cluster would hold it after the first sync.
    public var objects: [ManifestObject]
    /// The manifests each chart rendered, by Application (`bootstrap/<chart>` for the bootstrap's).
    public var renders: [String: String]
}

/// An Argo CD Application as the simulation reads it.
struct Application: Sendable {
    static let bootstrap = "bootstrap"

    var name: String
    var object: ManifestObject
    var project: String
    var sources: [ManifestValue]
    var destinationServer: String?
    var destinationName: String?
    var destinationNamespace: String?
    /// The Application that applies this one (nil: the bootstrap).
    var parent: String?
    /// The root wave it is applied in.
    var stage: Int

    init(_ object: ManifestObject, parent: String? = nil, stage: Int = Int.min) {
        self.name = object.name
        self.object = object
        let spec = object.body["spec"]
        self.project = spec?["project"]?.string ?? "default"
        if let sources = spec?["sources"]?.items, !sources.isEmpty {
            self.sources = sources
        } else {
            self.sources = spec?["source"].map { [$0] } ?? []
        }
        self.destinationServer = spec?["destination"]?["server"]?.string
        self.destinationName = spec?["destination"]?["name"]?.string
        self.destinationNamespace = spec?["destination"]?["namespace"]?.string
        self.parent = parent
        self.stage = stage
    }
}

/// One object Argo CD applies: its order inside its Application, and the stage (root
/// wave) at which its Application syncs.
struct SyncTask: Sendable {
    var object: ManifestObject
    var order: SyncOrder
    var application: String
    /// Root objects: their wave; a child Application's objects: the wave the root applies
    /// that Application in; the bootstrap: `Int.min`.
    var stage: Int

    /// Whether `self` exists when `consumer` is applied: the bootstrap always; the same
    /// Application when it comes no later in that Application's order; otherwise only
    /// from an earlier root wave (the root waits for each wave's health, child
    /// Applications included, thanks to the Application health check in argocd-cm).
    func precedes(_ consumer: SyncTask) -> Bool {
        if stage == Int.min { return true }
        if application == consumer.application { return order <= consumer.order }
        return stage < consumer.stage
    }
}

/// Everything known about one cluster while it is simulated.
struct ClusterState: Sendable {
    var cluster: String
    var tasks: [SyncTask] = []
    var applications: [Application] = []
    var findings: [Finding] = []
    var renders: [String: String] = [:]

    init(cluster: String) { self.cluster = cluster }

    mutating func add(_ objects: [ManifestObject], application: String, stage: Int) {
        tasks += objects.map { SyncTask(object: $0, order: SyncOrder.of($0) ?? SyncOrder(wave: 0), application: application, stage: stage) }
    }

    var result: ClusterBringUp {
        let counts = Dictionary(grouping: tasks, by: \.application).mapValues(\.count)
        return ClusterBringUp(
            cluster: cluster, findings: Array(Set(findings)).sorted(),
            applications: counts.keys.sorted().map { ($0, counts[$0] ?? 0) }, objects: tasks.map(\.object), renders: renders)
    }

    /// The CustomResourceDefinitions of the cluster, by `group/Kind`.
    var definitions: [String: [SyncTask]] {
        var result: [String: [SyncTask]] = [:]
        for task in tasks where task.object.kind == "CustomResourceDefinition" {
            let spec = task.object.body["spec"]
            let key = "\(spec?["group"]?.string ?? "")/\(spec?["names"]?["kind"]?.string ?? "")"
            result[key, default: []].append(task)
        }
        return result
    }

    func isClusterScoped(_ object: ManifestObject, extra: [ManifestObject] = []) -> Bool {
        if KindCatalog.builtInGroups.contains(object.group) { return KindCatalog.clusterScoped.contains(object.kind) }
        let definitions = tasks.map(\.object) + extra
        return definitions.contains { crd in
            crd.kind == "CustomResourceDefinition" && crd.body["spec"]?["group"]?.string == object.group
                && crd.body["spec"]?["names"]?["kind"]?.string == object.kind && crd.body["spec"]?["scope"]?.string == "Cluster"
        }
    }

    /// `.Capabilities.APIVersions` for a chart rendered at `stage`: the groups of the
    /// CRDs established before it (Argo CD passes the cluster's discovered APIs).
    func apiVersions(before stage: Int) -> [String] {
        var versions = Set<String>()
        for task in tasks where task.object.kind == "CustomResourceDefinition" && (task.stage == Int.min || task.stage < stage) {
            let spec = task.object.body["spec"]
            guard let group = spec?["group"]?.string, let kind = spec?["names"]?["kind"]?.string else { continue }
            for version in spec?["versions"]?.items.compactMap({ $0["name"]?.string }) ?? [] {
                versions.insert("\(group)/\(version)")
                versions.insert("\(group)/\(version)/\(kind)")
            }
        }
        return versions.sorted()
    }
}
