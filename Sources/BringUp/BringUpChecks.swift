import Manifests

/// Decides admission of one object (Kyverno policies, Pod Security): the simulation
/// hands it the policies that exist when the object is applied.
public protocol AdmissionEvaluator: Sendable {
    /// Refusals of `object` by `policies`, in namespace `namespaceLabels`.
    func refusals(of object: ManifestObject, policies: [ManifestObject], namespaceLabels: [String: String]) -> [AdmissionRefusal]
}

/// One refusal: Enforce blocks the object (or its pods), Audit only reports.
public struct AdmissionRefusal: Sendable, Hashable {
    public var policy: String
    public var message: String
    public var enforced: Bool

    public init(policy: String, message: String, enforced: Bool) {
        self.policy = policy
        self.message = message
        self.enforced = enforced
    }
}

/// The checks over a simulated cluster (bringup-semantics §2–§4).
struct BringUpChecks {
    var state: ClusterState
    var admission: (any AdmissionEvaluator)?

    func run(into findings: inout [Finding]) {
        projects(&findings)
        permissions(&findings)
        definitions(&findings)
        dependencies(&findings)
        references(&findings)
        admissions(&findings)
        resources(&findings)
    }

    func finding(_ check: Finding.Check, _ task: SyncTask, _ message: String) -> Finding {
        finding(check, .error, task, message)
    }

    func finding(_ check: Finding.Check, _ severity: Finding.Severity, _ task: SyncTask, _ message: String) -> Finding {
        Finding(check, severity, cluster: state.cluster, application: task.application, object: task.object.reference,
                message: message, location: task.object.location)
    }

    /// The task of an Application's own object (how the parent applies it).
    func task(of application: Application) -> SyncTask {
        state.tasks.first { $0.object.kind == "Application" && $0.object.name == application.name && $0.application == (application.parent ?? Application.bootstrap) }
            ?? SyncTask(object: application.object, order: SyncOrder(wave: 0), application: application.parent ?? Application.bootstrap, stage: application.stage)
    }

    func appProject(_ name: String, for consumer: SyncTask) -> (SyncTask?, later: SyncTask?) {
        let projects = state.tasks.filter { $0.object.kind == "AppProject" && $0.object.name == name }
        return (projects.first { $0.precedes(consumer) }, projects.first)
    }

    // MARK: AppProjects

    /// Every Application's AppProject exists when it is applied, and permits its
    /// destination and sources (argo-cd `app_project_types.go#IsDestinationPermitted`,
    /// `#IsSourcePermitted`; refused at refresh, so nothing syncs).
    func projects(_ findings: inout [Finding]) {
        for application in state.applications {
            let applied = task(of: application)
            let (project, later) = appProject(application.project, for: applied)
            guard let project else {
                findings.append(finding(.project, applied, later == nil
                    ? "AppProject \(application.project) does not exist"
                    : "AppProject \(application.project) comes only in \(later!.application) \(later!.order), after the Application is applied"))
                continue
            }
            let spec = project.object.body["spec"]
            let server = application.destinationServer ?? ""
            let namespace = application.destinationNamespace ?? ""
            if !Self.destinationPermitted(spec?["destinations"]?.items ?? [], server: server, name: application.destinationName ?? "", namespace: namespace) {
                findings.append(finding(.project, applied,
                    "application destination server '\(server)' and namespace '\(namespace)' do not match any of the allowed destinations in project '\(application.project)'"))
            }
            let repositories = spec?["sourceRepos"]?.strings ?? []
            for source in application.sources {
                let url = source["repoURL"]?.string ?? ""
                if !Self.repositoryPermitted(repositories, url) {
                    findings.append(finding(.project, applied, "application repo \(url) is not permitted in project '\(application.project)'"))
                }
            }
        }
    }

    // MARK: Objects permitted by the project

    /// Every task's group/kind and namespace are permitted by its Application's project
    /// (argo-cd `controller/sync.go#SyncAppState`, `#IsGroupKindPermitted`; §2).
    func permissions(_ findings: inout [Finding]) {
        let applications = Dictionary(state.applications.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for task in state.tasks where task.application != Application.bootstrap {
            guard let application = applications[task.application],
                  let project = appProject(application.project, for: self.task(of: application)).0 else { continue }
            let spec = project.object.body["spec"]
            let group = task.object.group, kind = task.object.kind
            if state.isClusterScoped(task.object) {
                let whitelist = spec?["clusterResourceWhitelist"]?.items ?? []
                let blacklist = spec?["clusterResourceBlacklist"]?.items ?? []
                if !Self.kindListed(whitelist, group: group, kind: kind) || Self.kindListed(blacklist, group: group, kind: kind) {
                    findings.append(finding(.permission, task, "resource \(group):\(kind) is not permitted in project \(application.project)"))
                }
            } else {
                let whitelist = spec?["namespaceResourceWhitelist"]
                let blacklist = spec?["namespaceResourceBlacklist"]?.items ?? []
                let allowed = whitelist.map { Self.kindListed($0.items, group: group, kind: kind) } ?? true
                if !allowed || Self.kindListed(blacklist, group: group, kind: kind) {
                    findings.append(finding(.permission, task, "resource \(group):\(kind) is not permitted in project \(application.project)"))
                }
                let namespace = task.object.namespace ?? application.destinationNamespace ?? ""
                if !Self.destinationPermitted(spec?["destinations"]?.items ?? [], server: application.destinationServer ?? "",
                                              name: application.destinationName ?? "", namespace: namespace) {
                    findings.append(finding(.permission, task, "namespace \(namespace) is not permitted in project '\(application.project)'"))
                }
            }
        }
    }

    // MARK: CRDs

    /// Every custom resource's CRD is installed before it (an earlier root wave, the
    /// same Application, or the bootstrap; gitops-engine hoists a CRD of the same sync).
    func definitions(_ findings: inout [Finding]) {
        let definitions = state.definitions
        for task in state.tasks where !KindCatalog.builtInGroups.contains(task.object.group) {
            let key = "\(task.object.group)/\(task.object.kind)"
            guard let candidates = definitions[key] else {
                findings.append(finding(.crd, task, "The Kubernetes API could not find \(key) for requested resource \(task.object.namespace ?? "")/\(task.object.name). Make sure the \"\(task.object.kind)\" CRD is installed on the destination cluster."))
                continue
            }
            if !candidates.contains(where: { $0.precedes(task) }) {
                let first = candidates.min { $0.stage < $1.stage }!
                findings.append(finding(.crd, task, "its CRD \(key) is installed only by \(first.application) at wave \(first.stage), not before \(task.application) at wave \(task.stage)"))
            }
        }
    }

    // MARK: Secrets and ConfigMaps

    /// What a pod reads: `(kind, name)` of every Secret and ConfigMap it cannot start without.
    static func requirements(_ spec: ManifestValue) -> [(kind: String, name: String)] {
        var result: [(String, String)] = []
        let containers = (spec["containers"]?.items ?? []) + (spec["initContainers"]?.items ?? [])
        for container in containers {
            for variable in container["env"]?.items ?? [] {
                if let reference = variable["valueFrom"]?["secretKeyRef"], reference["optional"]?.bool != true, let name = reference["name"]?.string {
                    result.append(("Secret", name))
                }
                if let reference = variable["valueFrom"]?["configMapKeyRef"], reference["optional"]?.bool != true, let name = reference["name"]?.string {
                    result.append(("ConfigMap", name))
                }
            }
            for source in container["envFrom"]?.items ?? [] {
                if let reference = source["secretRef"], reference["optional"]?.bool != true, let name = reference["name"]?.string { result.append(("Secret", name)) }
                if let reference = source["configMapRef"], reference["optional"]?.bool != true, let name = reference["name"]?.string { result.append(("ConfigMap", name)) }
            }
        }
        for volume in spec["volumes"]?.items ?? [] {
            if let secret = volume["secret"], secret["optional"]?.bool != true, let name = secret["secretName"]?.string { result.append(("Secret", name)) }
            if let map = volume["configMap"], map["optional"]?.bool != true, let name = map["name"]?.string { result.append(("ConfigMap", name)) }
            for source in volume["projected"]?["sources"]?.items ?? [] {
                if let secret = source["secret"], secret["optional"]?.bool != true, let name = secret["name"]?.string { result.append(("Secret", name)) }
                if let map = source["configMap"], map["optional"]?.bool != true, let name = map["name"]?.string { result.append(("ConfigMap", name)) }
            }
        }
        return result
    }

    /// The Secrets and ConfigMaps a task produces: itself, an ExternalSecret's target,
    /// a cert-manager Certificate's secret.
    static func products(_ task: SyncTask) -> [(kind: String, name: String)] {
        let object = task.object
        switch (object.group, object.kind) {
        case ("", "Secret"), ("", "ConfigMap"): return [(object.kind, object.name)]
        case ("external-secrets.io", "ExternalSecret"): return [("Secret", object.body["spec"]?["target"]?["name"]?.string ?? object.name)]
        case ("cert-manager.io", "Certificate"): return object.body["spec"]?["secretName"]?.string.map { [("Secret", $0)] } ?? []
        case ("batch", "Job") where task.order.phase != .sync:
            return hookSecrets(object)
        default: return []
        }
    }

    /// Secrets that charts' hook Jobs create through the API before the workloads start:
    /// kube-webhook-certgen `create --secret-name=<name>` (ingress-nginx and the
    /// Prometheus Operator admission certificates) and Argo CD's
    /// `argocd admin redis-initial-password` (Secret `argocd-redis`).
    static func hookSecrets(_ job: ManifestObject) -> [(kind: String, name: String)] {
        let containers = job.body["spec"]?["template"]?["spec"]?["containers"]?.items ?? []
        var result: [(String, String)] = []
        for container in containers {
            let words = (container["command"]?.strings ?? []) + (container["args"]?.strings ?? [])
            if words.contains("create") {
                for (index, word) in words.enumerated() {
                    if word.hasPrefix("--secret-name=") { result.append(("Secret", String(word.dropFirst("--secret-name=".count)))) }
                    if word == "--secret-name", index + 1 < words.count { result.append(("Secret", words[index + 1])) }
                }
            }
            if words.contains("redis-initial-password") { result.append(("Secret", "argocd-redis")) }
        }
        return result
    }

    /// Every Secret and ConfigMap a pod needs is produced before it or by its own
    /// Application; an ExternalSecret produces only when its store exists before it.
    func dependencies(_ findings: inout [Finding]) {
        var producers: [String: [SyncTask]] = [:]
        for task in state.tasks {
            for product in Self.products(task) {
                producers["\(product.kind) \(task.object.namespace ?? "")/\(product.name)", default: []].append(task)
            }
        }
        for task in state.tasks {
            if task.object.kind == "ExternalSecret" { storeExists(task, &findings) }
            guard let spec = KindCatalog.podSpec(of: task.object) else { continue }
            let namespace = task.object.namespace ?? ""
            var seen = Set<String>()
            for requirement in Self.requirements(spec) {
                let key = "\(requirement.kind) \(namespace)/\(requirement.name)"
                guard seen.insert(key).inserted else { continue }
                let candidates = producers[key] ?? []
                if candidates.isEmpty {
                    findings.append(finding(.dependency, task, "needs \(key), which nothing in the cluster produces"))
                } else if !candidates.contains(where: { $0.precedes(task) }) {
                    let first = candidates.min { $0.stage < $1.stage }!
                    findings.append(finding(.deadlock, task, "needs \(key), produced only by \(first.object.reference) in \(first.application) at wave \(first.stage), after \(task.application) at wave \(task.stage): the sync waits forever"))
                }
            }
        }
    }

    func storeExists(_ task: SyncTask, _ findings: inout [Finding]) {
        guard let reference = task.object.body["spec"]?["secretStoreRef"], let name = reference["name"]?.string else { return }
        let kind = reference["kind"]?.string ?? "SecretStore"
        let stores = state.tasks.filter { $0.object.kind == kind && $0.object.name == name && (kind == "ClusterSecretStore" || $0.object.namespace == task.object.namespace) }
        if stores.isEmpty {
            findings.append(finding(.dependency, task, "reads \(kind) \(name), which nothing in the cluster creates"))
        } else if !stores.contains(where: { $0.precedes(task) || $0.stage == task.stage }) {
            findings.append(finding(.deadlock, task, "reads \(kind) \(name), created only at wave \(stores[0].stage), after this ExternalSecret (wave \(task.stage))"))
        }
    }

    // MARK: References

    /// Services select pods, Ingress backends exist with their ports, HPA and PDB targets
    /// exist, ServiceMonitors and PodMonitors select a port.
    func references(_ findings: inout [Finding]) {
        let objects = state.tasks.map(\.object)
        let pods = objects.flatMap { object in KindCatalog.podLabelSets(of: object).map { (object, $0) } }
        let operatorNamespaces = Set(objects.filter { KindCatalog.podManagingResources.contains("\($0.group)/\($0.kind)") }.compactMap(\.namespace))
        func podsMatching(_ selector: LabelSelector, in namespace: String?) -> [ManifestObject] {
            pods.filter { $0.0.namespace == namespace && selector.matches($0.1) }.map(\.0)
        }
        let services = objects.filter { $0.kind == "Service" && $0.group == "" } + KindCatalog.clusterServices
        for task in state.tasks {
            let object = task.object, spec = object.body["spec"]
            switch (object.group, object.kind) {
            case ("", "Service"):
                guard let selector = spec?["selector"], !selector.isEmptyMapping, spec?["type"]?.string != "ExternalName" else { continue }
                if podsMatching(LabelSelector(matchLabels: selector.stringMap), in: object.namespace).isEmpty,
                   !operatorNamespaces.contains(object.namespace ?? "") {
                    findings.append(finding(.reference, task, "selector \(LabelSelector(matchLabels: selector.stringMap)) matches no pod in \(object.namespace ?? "")"))
                }
            case ("networking.k8s.io", "Ingress"):
                var backends = spec?["defaultBackend"].map { [$0] } ?? []
                for rule in spec?["rules"]?.items ?? [] { backends += rule["http"]?["paths"]?.items.compactMap { $0["backend"] } ?? [] }
                for backend in backends {
                    guard let name = backend["service"]?["name"]?.string else { continue }
                    guard let service = services.first(where: { $0.name == name && $0.namespace == object.namespace }) else {
                        findings.append(finding(.reference, task, "backend Service \(name) does not exist in \(object.namespace ?? "")"))
                        continue
                    }
                    let ports = service.body["spec"]?["ports"]?.items ?? []
                    if let number = backend["service"]?["port"]?["number"]?.string, !ports.contains(where: { $0["port"]?.string == number }) {
                        findings.append(finding(.reference, task, "backend port \(number) is not a port of Service \(name)"))
                    }
                    if let portName = backend["service"]?["port"]?["name"]?.string, !ports.contains(where: { $0["name"]?.string == portName }) {
                        findings.append(finding(.reference, task, "backend port \(portName) is not a port of Service \(name)"))
                    }
                }
            case ("autoscaling", "HorizontalPodAutoscaler"):
                guard let target = spec?["scaleTargetRef"], let kind = target["kind"]?.string, let name = target["name"]?.string else { continue }
                if !objects.contains(where: { $0.kind == kind && $0.name == name && $0.namespace == object.namespace }) {
                    findings.append(finding(.reference, task, "scale target \(kind) \(name) does not exist"))
                }
            case ("policy", "PodDisruptionBudget"):
                if podsMatching(LabelSelector(spec?["selector"]), in: object.namespace).isEmpty, !operatorNamespaces.contains(object.namespace ?? "") {
                    findings.append(finding(.reference, task, "selector \(LabelSelector(spec?["selector"])) matches no pod"))
                }
            case ("monitoring.coreos.com", "ServiceMonitor"):
                let namespaces = Self.monitorNamespaces(spec, own: object.namespace)
                // The distribution's own namespaces hold Services nobody renders (the
                // Prometheus Operator creates the kubelet's there).
                if let namespaces, !namespaces.isDisjoint(with: KindCatalog.systemNamespaces) { continue }
                let selected = services.filter { service in
                    (namespaces == nil || namespaces!.contains(service.namespace ?? "")) && LabelSelector(spec?["selector"]).matches(service.labels)
                }
                if selected.isEmpty {
                    findings.append(finding(.reference, task, "selector \(LabelSelector(spec?["selector"])) matches no Service"))
                    continue
                }
                for endpoint in spec?["endpoints"]?.items ?? [] {
                    guard let port = endpoint["port"]?.string else { continue }
                    if !selected.contains(where: { ($0.body["spec"]?["ports"]?.items ?? []).contains { $0["name"]?.string == port } }) {
                        findings.append(finding(.reference, task, "endpoint port \(port) is not a named port of the Services it selects (\(selected.map(\.name).sorted().joined(separator: ", ")))"))
                    }
                }
            case ("monitoring.coreos.com", "PodMonitor"):
                let namespaces = Self.monitorNamespaces(spec, own: object.namespace)
                let selected = pods.filter { (namespaces == nil || namespaces!.contains($0.0.namespace ?? "")) && LabelSelector(spec?["selector"]).matches($0.1) }
                if selected.isEmpty {
                    if !operatorNamespaces.isDisjoint(with: namespaces ?? operatorNamespaces) { continue }
                    findings.append(finding(.reference, task, "selector \(LabelSelector(spec?["selector"])) matches no pod"))
                }
            default:
                continue
            }
        }
    }

    /// A monitor's namespaces: `namespaceSelector.matchNames`, any (nil), or its own.
    static func monitorNamespaces(_ spec: ManifestValue?, own: String?) -> Set<String>? {
        let selector = spec?["namespaceSelector"]
        if selector?["any"]?.bool == true { return nil }
        if let names = selector?["matchNames"]?.strings, !names.isEmpty { return Set(names) }
        return [own ?? ""]
    }

    // MARK: Admission

    /// Every pod-producing object is admitted by the Kyverno policies that exist when it
    /// is applied (Enforce → error, Audit → warning), and its pods by Pod Security.
    func admissions(_ findings: inout [Finding]) {
        guard let admission else { return }
        let namespaces = Dictionary(state.tasks.filter { $0.object.kind == "Namespace" }.map { ($0.object.name, $0.object.labels) },
                                    uniquingKeysWith: { first, _ in first })
        let policies = state.tasks.filter { ["ClusterPolicy", "Policy"].contains($0.object.kind) && $0.object.group == "kyverno.io" }
        for task in state.tasks where KindCatalog.podSpec(of: task.object) != nil {
            let active = policies.filter { $0.precedes(task) }.map(\.object)
            var labels = namespaces[task.object.namespace ?? ""] ?? [:]
            if let namespace = task.object.namespace { labels["kubernetes.io/metadata.name"] = namespace }
            for refusal in admission.refusals(of: task.object, policies: active, namespaceLabels: labels) {
                findings.append(finding(.admission, refusal.enforced ? .error : .warning, task, "\(refusal.policy): \(refusal.message)"))
            }
        }
    }

    // MARK: Resources

    /// Every container of every pod-producing object (charts and hooks included) requests
    /// CPU and memory and limits memory. A CPU limit is not required: CPU is compressible,
    /// and a limit only throttles a pod the node could serve.
    func resources(_ findings: inout [Finding]) {
        for task in state.tasks {
            guard let spec = KindCatalog.podSpec(of: task.object) else { continue }
            for field in ["initContainers", "containers"] {
                for container in spec[field]?.items ?? [] {
                    let resources = container["resources"]
                    let missing = [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")]
                        .filter { resources?[$0.0]?[$0.1]?.string == nil }.map { "\($0.0).\($0.1)" }
                    guard !missing.isEmpty else { continue }
                    let name = container["name"]?.string ?? "?"
                    findings.append(finding(.resources, task, "\(field == "initContainers" ? "init container" : "container") \(name) has no \(missing.joined(separator: ", "))"))
                }
            }
        }
    }

    // MARK: Argo CD matching

    /// gobwas/glob without separators, as Argo CD matches destinations: `*` anything
    /// (including ""), `?` one character, `{a,b}` alternatives; an empty pattern matches only "".
    static func glob(_ pattern: String, _ value: String) -> Bool {
        if let open = pattern.firstIndex(of: "{"), let close = pattern[open...].firstIndex(of: "}") {
            let head = pattern[..<open], tail = pattern[pattern.index(after: close)...]
            return pattern[pattern.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
                .contains { glob("\(head)\($0)\(tail)", value) }
        }
        return Wildcard.matches(pattern, value)
    }

    /// argo-cd `#isDestinationMatched`: (server or name glob) and namespace glob; `!`
    /// entries deny whatever else allows.
    static func destinationPermitted(_ destinations: [ManifestValue], server: String, name: String, namespace: String) -> Bool {
        var allowed = false
        for destination in destinations {
            let serverPattern = destination["server"]?.string ?? "", namePattern = destination["name"]?.string ?? ""
            let namespacePattern = destination["namespace"]?.string ?? ""
            func matches(_ pattern: String, _ value: String) -> (matched: Bool, negated: Bool) {
                pattern.hasPrefix("!") ? (!glob(String(pattern.dropFirst()), value), true) : (glob(pattern, value), false)
            }
            let serverMatch = matches(serverPattern, server), nameMatch = matches(namePattern, name)
            let clusterMatched = (serverPattern.isEmpty ? false : serverMatch.matched) || (namePattern.isEmpty ? false : nameMatch.matched)
            let namespaceMatch = matches(namespacePattern, namespace)
            if clusterMatched && namespaceMatch.negated && !namespaceMatch.matched { return false }
            if clusterMatched && namespaceMatch.matched { allowed = true }
        }
        return allowed
    }

    /// `sourceRepos`: `*` is everything; otherwise a glob with `/` separators.
    static func repositoryPermitted(_ repositories: [String], _ url: String) -> Bool {
        let normalized = url.lowercased().trimmingSuffix(".git")
        var allowed = false
        for pattern in repositories {
            let negated = pattern.hasPrefix("!")
            let body = (negated ? String(pattern.dropFirst()) : pattern).lowercased().trimmingSuffix(".git")
            let matched = body == "*" || glob(body, normalized)
            if negated && matched { return false }
            if !negated && matched { allowed = true }
        }
        return allowed
    }

    /// `filepath.Match` on group and kind (argo-cd `types.go#isResourceInList`).
    static func kindListed(_ list: [ManifestValue], group: String, kind: String) -> Bool {
        list.contains { entry in
            glob(entry["group"]?.string ?? "", group) && glob(entry["kind"]?.string ?? "", kind)
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
