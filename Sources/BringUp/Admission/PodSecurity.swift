import Manifests

/// Pod Security Admission, `enforce` mode (bringup-semantics §5; PSA `policy/check_*.go`):
/// enforce rejects Pods only, so a controller whose template violates its namespace's
/// level is admitted but its pods are refused; both are reported as a refusal of the pods.
public enum PodSecurity {
    public enum Level: String, Comparable, Sendable {
        case privileged, baseline, restricted
        var rank: Int { self == .privileged ? 0 : self == .baseline ? 1 : 2 }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    public static func refusals(of object: ManifestObject, namespaceLabels: [String: String]) -> [AdmissionRefusal] {
        guard let level = namespaceLabels["pod-security.kubernetes.io/enforce"].flatMap(Level.init), level > .privileged,
              let spec = KindCatalog.podSpec(of: object) else { return [] }
        let version = namespaceLabels["pod-security.kubernetes.io/enforce-version"] ?? "latest"
        let violations = self.violations(spec, level: level)
        guard !violations.isEmpty else { return [] }
        let subject = object.kind == "Pod" ? "" : "pods of \(object.kind) \(object.name): "
        return [AdmissionRefusal(policy: "PodSecurity",
                                 message: "\(subject)violates PodSecurity \"\(level.rawValue):\(version)\": \(violations.joined(separator: ", "))",
                                 enforced: true)]
    }

    static let baselineCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]
    static let restrictedVolumes: Set<String> = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]

    /// PSA's violation summaries, in its check order.
    static func violations(_ spec: ManifestValue, level: Level) -> [String] {
        let containers = (spec["containers"]?.items ?? []) + (spec["initContainers"]?.items ?? []) + (spec["ephemeralContainers"]?.items ?? [])
        func names(_ predicate: (ManifestValue) -> Bool) -> [String] { containers.filter(predicate).compactMap { $0["name"]?.string } }
        func quoted(_ list: [String]) -> String { list.map { "\"\($0)\"" }.joined(separator: ", ") }
        var result: [String] = []
        // Baseline.
        let hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"].filter { spec[$0]?.bool == true }
        if !hostNamespaces.isEmpty { result.append("host namespaces (\(hostNamespaces.map { "\($0)=true" }.joined(separator: ", ")))") }
        let privileged = names { $0["securityContext"]?["privileged"]?.bool == true }
        if !privileged.isEmpty { result.append("privileged (container\(privileged.count == 1 ? "" : "s") \(quoted(privileged)) must not set securityContext.privileged=true)") }
        let added = names { ($0["securityContext"]?["capabilities"]?["add"]?.strings ?? []).contains { !baselineCapabilities.contains($0) } }
        if !added.isEmpty { result.append("non-default capabilities (container\(added.count == 1 ? "" : "s") \(quoted(added)) must not include non-default capabilities in securityContext.capabilities.add)") }
        let hostPaths = (spec["volumes"]?.items ?? []).filter { $0["hostPath"] != nil }.compactMap { $0["name"]?.string }
        if !hostPaths.isEmpty { result.append("hostPath volumes (volume\(hostPaths.count == 1 ? "" : "s") \(quoted(hostPaths)))") }
        let hostPorts = names { ($0["ports"]?.items ?? []).contains { ($0["hostPort"]?.int ?? 0) != 0 } }
        if !hostPorts.isEmpty { result.append("hostPort (container\(hostPorts.count == 1 ? "" : "s") \(quoted(hostPorts)) uses hostPort)") }
        guard level == .restricted else { return result }
        // Restricted.
        let volumes = (spec["volumes"]?.items ?? []).filter { volume in
            !volume.entries.contains { restrictedVolumes.contains($0.key) }
        }.compactMap { $0["name"]?.string }
        if !volumes.isEmpty { result.append("restricted volume types (volume\(volumes.count == 1 ? "" : "s") \(quoted(volumes)) use restricted volume types)") }
        let escalation = names { $0["securityContext"]?["allowPrivilegeEscalation"]?.bool != false }
        if !escalation.isEmpty { result.append("allowPrivilegeEscalation != false (container\(escalation.count == 1 ? "" : "s") \(quoted(escalation)) must set securityContext.allowPrivilegeEscalation=false)") }
        let podNonRoot = spec["securityContext"]?["runAsNonRoot"]?.bool
        let rootContainers = names { container in
            let own = container["securityContext"]?["runAsNonRoot"]?.bool
            return own == false || (own == nil && podNonRoot != true)
        }
        if podNonRoot == false || !rootContainers.isEmpty {
            result.append("runAsNonRoot != true (\(podNonRoot == false ? "pod must not set securityContext.runAsNonRoot=false" : "pod or container\(rootContainers.count == 1 ? "" : "s") \(quoted(rootContainers)) must set securityContext.runAsNonRoot=true"))")
        }
        let rootUser = spec["securityContext"]?["runAsUser"]?.int == 0 || containers.contains { $0["securityContext"]?["runAsUser"]?.int == 0 }
        if rootUser { result.append("runAsUser=0 (pod and containers must not set runAsUser=0)") }
        let podSeccomp = spec["securityContext"]?["seccompProfile"]?["type"]?.string
        let seccompOK: (String?) -> Bool = { $0 == "RuntimeDefault" || $0 == "Localhost" }
        let seccomp = names { container in
            let own = container["securityContext"]?["seccompProfile"]?["type"]?.string
            return own.map { !seccompOK($0) } ?? !seccompOK(podSeccomp)
        }
        if !seccomp.isEmpty { result.append("seccompProfile (pod or container\(seccomp.count == 1 ? "" : "s") \(quoted(seccomp)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")") }
        let capabilities = names { container in
            let caps = container["securityContext"]?["capabilities"]
            return !(caps?["drop"]?.strings ?? []).contains("ALL") || (caps?["add"]?.strings ?? []).contains { $0 != "NET_BIND_SERVICE" }
        }
        if !capabilities.isEmpty { result.append("unrestricted capabilities (container\(capabilities.count == 1 ? "" : "s") \(quoted(capabilities)) must set securityContext.capabilities.drop=[\"ALL\"])") }
        return result
    }
}
