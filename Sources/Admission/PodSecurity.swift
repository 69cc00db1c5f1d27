public import Manifests

/// Pod Security Admission, offline: the baseline and restricted controls of PSA v0.32
/// (Kubernetes 1.32, PSA `policy/check_*.go`) on a Pod or a controller's pod template.
public enum PodSecurity {
    public enum Level: String, Sendable, Comparable {
        case privileged, baseline, restricted
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
        var rank: Int { self == .privileged ? 0 : self == .baseline ? 1 : 2 }
    }

    public enum Mode: String, Sendable, CaseIterable { case enforce, audit, warn }

    /// One mode's verdict on the object's pods.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public var mode: Mode
        public var level: Level
        public var version: String
        /// `violates PodSecurity "restricted:latest": <reason> (<detail>), …` (PSA `admission/admission.go#EvaluatePod`).
        public var message: String
        /// Each failed check: `allowPrivilegeEscalation != false (container "app" must set …)`.
        public var checks: [String]
        /// True under enforce for a Pod: the API server refuses the object itself.
        public var refusesObject: Bool
        /// True under enforce for a controller: the controller is admitted (with a warning) but the
        /// Pods it creates are refused (PSA `admission/admission.go#ValidatePodController`).
        public var refusesPods: Bool

        public var description: String { "\(mode.rawValue): \(message)" }
    }

    /// The violations of the namespace's `pod-security.kubernetes.io/<mode>` levels, per mode.
    public static func evaluate(_ object: ManifestObject, namespaceLabels: [String: String]) -> [Violation] {
        guard let pod = PodTemplate.pod(of: object) else { return [] }
        var violations: [Violation] = []
        for mode in Mode.allCases {
            guard let label = namespaceLabels["pod-security.kubernetes.io/\(mode.rawValue)"] else { continue }
            // An unreadable level is evaluated as restricted (PSA `api/helpers.go#ParseLevel` errors fall back to the strictest policy).
            let level = Level(rawValue: label) ?? .restricted
            let version = namespaceLabels["pod-security.kubernetes.io/\(mode.rawValue)-version"] ?? "latest"
            let failed = checks(pod, level: level)
            guard !failed.isEmpty else { continue }
            violations.append(Violation(
                mode: mode, level: level, version: version,
                message: "violates PodSecurity \"\(level.rawValue):\(version)\": " + failed.joined(separator: ", "),
                checks: failed,
                refusesObject: mode == .enforce && object.kind == "Pod",
                refusesPods: mode == .enforce && object.kind != "Pod"))
        }
        return violations
    }

    /// The failed checks of `level` on a pod (`metadata` + `spec`), in PSA's check-ID order.
    public static func checks(_ pod: ManifestValue, level: Level) -> [String] {
        guard level != .privileged else { return [] }
        let spec = pod["spec"] ?? ManifestValue(.null)
        let annotations = pod.annotations
        let containers = ["containers", "initContainers", "ephemeralContainers"].flatMap { spec[$0]?.items ?? [] }
        var results: [(id: String, text: String)] = []
        func add(_ id: String, _ reason: String, _ detail: String) { results.append((id, "\(reason) (\(detail))")) }
        let windows = spec["os"]?["name"]?.string == "windows"
        let podSC = spec["securityContext"]

        // Baseline.
        func names(_ predicate: (ManifestValue) -> Bool) -> [String] { containers.filter(predicate).map { $0["name"]?.string ?? "" } }
        func sc(_ container: ManifestValue, _ key: String) -> ManifestValue? { container["securityContext"]?[key]?.present }

        if podSC?["windowsOptions"]?["hostProcess"]?.bool == true || !names({ sc($0, "windowsOptions")?["hostProcess"]?.bool == true }).isEmpty {
            var who: [String] = []
            if podSC?["windowsOptions"]?["hostProcess"]?.bool == true { who.append("pod") }
            let bad = names { sc($0, "windowsOptions")?["hostProcess"]?.bool == true }
            if !bad.isEmpty { who.append(plural(bad)) }
            add("hostProcess", "hostProcess", "\(who.joined(separator: " and ")) must not set securityContext.windowsOptions.hostProcess=true")
        }
        let hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"].filter { spec[$0]?.bool == true }.map { "\($0)=true" }
        if !hostNamespaces.isEmpty { add("hostNamespaces", "host namespaces", hostNamespaces.joined(separator: ", ")) }
        let privileged = names { sc($0, "privileged")?.bool == true }
        if !privileged.isEmpty { add("privileged", "privileged", "\(plural(privileged)) must not set securityContext.privileged=true") }

        let allowedCapabilities: Set<String> = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                                "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
        var baselineCapabilities: Set<String> = []
        let baselineCapabilityContainers = names { container in
            let bad = (sc(container, "capabilities")?["add"]?.strings ?? []).filter { !allowedCapabilities.contains($0) }
            baselineCapabilities.formUnion(bad)
            return !bad.isEmpty
        }
        if level == .baseline, !baselineCapabilityContainers.isEmpty {
            add("capabilities_baseline", "non-default capabilities",
                "\(plural(baselineCapabilityContainers)) must not include \(quoted(baselineCapabilities.sorted())) in securityContext.capabilities.add")
        }
        let hostPathVolumes = (spec["volumes"]?.items ?? []).filter { $0["hostPath"]?.present != nil }.map { $0["name"]?.string ?? "" }
        if !hostPathVolumes.isEmpty { add("hostPathVolumes", "hostPath volumes", "\(plural(hostPathVolumes, "volume", "volumes"))") }
        var hostPorts: [String] = []
        let hostPortContainers = names { container in
            let ports = (container["ports"]?.items ?? []).compactMap { $0["hostPort"]?.int }.filter { $0 != 0 }
            hostPorts += ports.map(String.init)
            return !ports.isEmpty
        }
        if !hostPortContainers.isEmpty {
            add("hostPorts", "hostPort", "\(plural(hostPortContainers)) \(hostPortContainers.count == 1 ? "uses" : "use") \(hostPorts.count == 1 ? "hostPort" : "hostPorts") \(hostPorts.joined(separator: ", "))")
        }
        // AppArmor: field and the deprecated annotations.
        var appArmor: [String] = []
        func badAppArmor(_ type: String?) -> Bool { type.map { $0 != "RuntimeDefault" && $0 != "Localhost" } ?? false }
        if badAppArmor(podSC?["appArmorProfile"]?["type"]?.string) { appArmor.append("pod must not set securityContext.appArmorProfile.type to \(quoted([podSC?["appArmorProfile"]?["type"]?.string ?? ""]))") }
        let appArmorContainers = names { badAppArmor(sc($0, "appArmorProfile")?["type"]?.string) }
        if !appArmorContainers.isEmpty { appArmor.append("\(plural(appArmorContainers)) must not set securityContext.appArmorProfile.type to \"Unconfined\"") }
        for (key, value) in annotations.sorted(by: { $0.key < $1.key }) where key.hasPrefix("container.apparmor.security.beta.kubernetes.io/") {
            if value != "runtime/default" && !value.hasPrefix("localhost/") { appArmor.append("\(key)=\"\(value)\"") }
        }
        if !appArmor.isEmpty { add("appArmorProfile", "forbidden AppArmor profiles", appArmor.joined(separator: ", ")) }
        // SELinux.
        let allowedSELinuxTypes: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
        func badSELinux(_ options: ManifestValue?) -> Bool {
            guard let options = options?.present else { return false }
            return !allowedSELinuxTypes.contains(options["type"]?.string ?? "") || options["user"]?.present != nil || options["role"]?.present != nil
        }
        var seLinux: [String] = []
        if badSELinux(podSC?["seLinuxOptions"]) { seLinux.append("pod") }
        let seLinuxContainers = names { badSELinux(sc($0, "seLinuxOptions")) }
        if !seLinuxContainers.isEmpty { seLinux.append(plural(seLinuxContainers)) }
        if !seLinux.isEmpty { add("seLinuxOptions", "seLinuxOptions", "\(seLinux.joined(separator: " and ")) set forbidden securityContext.seLinuxOptions") }
        let procMount = names { sc($0, "procMount").map { $0.string != "Default" } ?? false }
        if !procMount.isEmpty {
            let types = Set(containers.compactMap { sc($0, "procMount")?.string }.filter { $0 != "Default" }).sorted()
            add("procMount", "procMount", "\(plural(procMount)) must not set securityContext.procMount to \(quoted(types))")
        }
        // Seccomp (baseline): explicit Unconfined only.
        if level == .baseline {
            var who: [String] = []
            var values: Set<String> = []
            if let type = podSC?["seccompProfile"]?["type"]?.string, type == "Unconfined" { who.append("pod"); values.insert(type) }
            let bad = names { sc($0, "seccompProfile")?["type"]?.string == "Unconfined" }
            if !bad.isEmpty { who.append(plural(bad)); values.insert("Unconfined") }
            if !who.isEmpty { add("seccompProfile_baseline", "seccompProfile", "\(who.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(quoted(values.sorted()))") }
        }
        let allowedSysctls: Set<String> = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                                           "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
                                           "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                                           "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]
        let sysctls = (podSC?["sysctls"]?.items ?? []).compactMap { $0["name"]?.string }.filter { !allowedSysctls.contains($0) }
        if !sysctls.isEmpty { add("sysctls", "forbidden sysctls", sysctls.joined(separator: ", ")) }

        if level == .restricted {
            let allowedVolumes: Set<String> = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]
            var badTypes: Set<String> = []
            let badVolumes = (spec["volumes"]?.items ?? []).filter { volume in
                let types = volume.entries.map(\.key).filter { $0 != "name" && !allowedVolumes.contains($0) }
                badTypes.formUnion(types)
                return !types.isEmpty
            }.map { $0["name"]?.string ?? "" }
            if !badVolumes.isEmpty {
                add("restrictedVolumes", "restricted volume types",
                    "\(plural(badVolumes, "volume", "volumes")) \(badVolumes.count == 1 ? "uses" : "use") \(badTypes.count == 1 ? "restricted volume type" : "restricted volume types") \(quoted(badTypes.sorted()))")
            }
            if !windows {
                let escalation = names { sc($0, "allowPrivilegeEscalation")?.bool != false }
                if !escalation.isEmpty { add("allowPrivilegeEscalation", "allowPrivilegeEscalation != false", "\(plural(escalation)) must set securityContext.allowPrivilegeEscalation=false") }
                let missingDrop = names { !(sc($0, "capabilities")?["drop"]?.strings ?? []).contains("ALL") }
                var forbiddenAdds: Set<String> = []
                let adding = names { container in
                    let bad = (sc(container, "capabilities")?["add"]?.strings ?? []).filter { $0 != "NET_BIND_SERVICE" }
                    forbiddenAdds.formUnion(bad)
                    return !bad.isEmpty
                }
                var details: [String] = []
                if !missingDrop.isEmpty { details.append("\(plural(missingDrop)) must set securityContext.capabilities.drop=[\"ALL\"]") }
                if !adding.isEmpty { details.append("\(plural(adding)) must not include \(quoted(forbiddenAdds.sorted())) in securityContext.capabilities.add") }
                if !details.isEmpty { add("capabilities_restricted", "unrestricted capabilities", details.joined(separator: "; ")) }
            }
            // runAsNonRoot
            let podNonRoot = podSC?["runAsNonRoot"]?.bool
            var badSetters: [String] = []
            if podNonRoot == false { badSetters.append("pod") }
            let explicitlyBad = names { sc($0, "runAsNonRoot")?.bool == false }
            if !explicitlyBad.isEmpty { badSetters.append(plural(explicitlyBad)) }
            let implicitlyBad = podNonRoot == nil ? names { sc($0, "runAsNonRoot")?.bool == nil } : []
            if !badSetters.isEmpty {
                add("runAsNonRoot", "runAsNonRoot != true", "\(badSetters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false")
            } else if !implicitlyBad.isEmpty {
                add("runAsNonRoot", "runAsNonRoot != true", "pod or \(plural(implicitlyBad)) must set securityContext.runAsNonRoot=true")
            }
            // runAsUser
            var rootSetters: [String] = []
            if podSC?["runAsUser"]?.int == 0 { rootSetters.append("pod") }
            let rootContainers = names { sc($0, "runAsUser")?.int == 0 }
            if !rootContainers.isEmpty { rootSetters.append(plural(rootContainers)) }
            if !rootSetters.isEmpty { add("runAsUser", "runAsUser=0", "\(rootSetters.joined(separator: " and ")) must not set runAsUser=0") }
            // seccompProfile (restricted overrides baseline's)
            if !windows {
                func allowed(_ type: String) -> Bool { type == "RuntimeDefault" || type == "Localhost" }
                var setters: [String] = []
                var values: Set<String> = []
                let podType = podSC?["seccompProfile"]?["type"]?.string
                if let podType, !allowed(podType) { setters.append("pod"); values.insert(podType) }
                let badContainers = names { container in
                    guard let type = sc(container, "seccompProfile")?["type"]?.string, !allowed(type) else { return false }
                    values.insert(type)
                    return true
                }
                if !badContainers.isEmpty { setters.append(plural(badContainers)) }
                let implicit = podType == nil ? names { sc($0, "seccompProfile")?["type"]?.string == nil } : []
                if !setters.isEmpty {
                    add("seccompProfile_restricted", "seccompProfile", "\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(quoted(values.sorted()))")
                } else if !implicit.isEmpty {
                    add("seccompProfile_restricted", "seccompProfile", "pod or \(plural(implicit)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
                }
            }
            // Restricted capabilities override the baseline check.
            if !results.contains(where: { $0.id == "capabilities_restricted" }), !baselineCapabilityContainers.isEmpty, windows {
                add("capabilities_baseline", "non-default capabilities",
                    "\(plural(baselineCapabilityContainers)) must not include \(quoted(baselineCapabilities.sorted())) in securityContext.capabilities.add")
            }
        }
        return results.sorted { $0.id < $1.id }.map(\.text)
    }

    /// `container "a"` / `containers "a", "b"` (PSA `pluralize` + `joinQuote`).
    private static func plural(_ names: [String], _ one: String = "container", _ many: String = "containers") -> String {
        "\(names.count == 1 ? one : many) \(quoted(names))"
    }

    private static func quoted(_ items: [String]) -> String { items.map { "\"\($0)\"" }.joined(separator: ", ") }
}
