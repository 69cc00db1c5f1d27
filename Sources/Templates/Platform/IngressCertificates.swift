import BlueprintModel
import Renderer

/// The ingress certificates of a cluster, issued by cert-manager.
///
/// One Certificate per cluster, in the ingress controller's namespace, names every host the
/// cluster serves; ingress-nginx serves it as its default certificate, and the Ingresses
/// list their hosts under `tls` without a secret of their own. So the ACME HTTP-01 solver
/// pods cert-manager starts run beside the controller, in a platform namespace, never in
/// the services' restricted namespace (whose admission policies demand signed images of
/// the platform's own), and one order renews every name.
///
/// Clusters in the cloud use the blueprint's ACME authority (`platform.certificates.acme`,
/// Let's Encrypt by default); local clusters a self-signed issuer.
public enum IngressCertificates {
    public static let certificateName = "ingress-default"
    public static let secretName = "ingress-default-tls"
    static let acmeIssuer = "acme"
    static let localIssuer = "self-signed"
    static let apiVersion = "cert-manager.io/v1"

    /// Every host the cluster's Ingresses serve, sorted.
    public static func hosts(_ context: ClusterContext) -> [String] {
        Array(Set(context.services.flatMap { ServiceWorkloads.hosts($0, context) } + Supabase.hosts(context))).sorted()
    }

    /// `<namespace>/<secret>`: ingress-nginx's `--default-ssl-certificate`; nil without hosts.
    static func defaultCertificate(_ context: ClusterContext) -> String? {
        hosts(context).isEmpty ? nil : "\(ClusterNamespaces.ingressNginx)/\(secretName)"
    }

    static func issuerName(_ context: ClusterContext) -> String { context.environment.isLocal ? localIssuer : acmeIssuer }

    /// The ClusterIssuer and the Certificate (after cert-manager's CRDs exist).
    static func objects(_ context: ClusterContext) -> [YAMLNode] {
        let hosts = hosts(context)
        guard !hosts.isEmpty else { return [] }
        let annotations = SyncWave.annotations(SyncWave.policies, options: [SyncWave.skipDryRun])
        return [
            K8s.object(apiVersion, "ClusterIssuer", name: issuerName(context), labels: context.labels(name: "cert-manager", component: "platform"),
                       annotations: annotations, [("spec", issuerSpec(context))]),
            K8s.object(apiVersion, "Certificate", name: certificateName, namespace: ClusterNamespaces.ingressNginx,
                       labels: context.labels(name: "ingress-nginx", component: "platform"), annotations: annotations, [
                ("spec", .map([
                    ("secretName", .string(secretName)),
                    ("dnsNames", .sequence(hosts.map { .string($0) })),
                    ("issuerRef", .map([("group", "cert-manager.io"), ("kind", "ClusterIssuer"), ("name", .string(issuerName(context)))])),
                    ("privateKey", .map([("algorithm", "ECDSA"), ("size", 256), ("rotationPolicy", "Always")])),
                ])),
            ]),
        ]
    }

    static func issuerSpec(_ context: ClusterContext) -> YAMLNode {
        if context.environment.isLocal { return .map([("selfSigned", .map([]))]) }
        let settings = context.blueprint.platform.certificates
        var acme: [(String, YAMLNode)] = [("server", .string(settings.acmeServer))]
        if let email = settings.acmeEmail { acme.append(("email", .string(email))) }
        acme += [
            // The account's key: cert-manager creates it on first registration.
            ("privateKeySecretRef", .map([("name", "acme-account-key")])),
            ("solvers", [.map([("http01", .map([("ingress", .map([("ingressClassName", "nginx")]))]))])]),
        ]
        return .map([("acme", .map(acme))])
    }
}
