import Manifests

/// The parts of `verifyImages` the validating webhook decides (KY
/// `pkg/engine/handlers/validation/validate_image.go#validateImage`): the digest offline; the
/// signature (`required`, `attestors`, `attestations`) needs the registry and Rekor.
enum ImageVerification {
    /// One container image as Kyverno names it (KY `pkg/utils/api/image.go#ImageInfo.String`):
    /// `registry/path:tag` or `registry/path@digest`, Docker Hub names normalised.
    struct Image: Equatable {
        var reference: String
        var hasDigest: Bool

        init(_ raw: String) {
            var name = raw
            var digest: String?
            if let at = raw.firstIndex(of: "@") {
                name = String(raw[..<at])
                digest = String(raw[raw.index(after: at)...])
            }
            var tag: String?
            if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
                tag = String(name[name.index(after: colon)...])
                name = String(name[..<colon])
            }
            let first = name.split(separator: "/").first.map(String.init) ?? name
            if !name.contains("/") || !(first.contains(".") || first.contains(":") || first == "localhost") {
                name = "docker.io/" + (name.contains("/") ? name : "library/" + name)
            }
            if let digest {
                reference = "\(name)@\(digest)"
            } else {
                reference = "\(name):\(tag ?? "latest")"
            }
            hasDigest = digest?.hasPrefix("sha256:") == true
        }
    }

    /// The images of a pod's containers, init and ephemeral containers (Kyverno's default extractors).
    static func images(ofPod pod: ManifestValue?) -> [Image] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { key in
            (pod?["spec"]?[key]?.items ?? []).compactMap { $0["image"]?.string }.map(Image.init)
        }
    }

    struct Verdict {
        var outcome: RuleOutcome
        var message: String
    }

    /// The verdict of one `verifyImages` entry on the pod's images.
    static func verify(_ entry: ManifestValue, images: [Image]) -> Verdict {
        let references = entry["imageReferences"]?.strings ?? entry["image"]?.string.map { [$0] } ?? []
        let skipped = entry["skipImageReferences"]?.strings ?? []
        let matching = images.filter { Wildcard.matchAny(references, $0.reference) && !Wildcard.matchAny(skipped, $0.reference) }
        guard !matching.isEmpty else { return Verdict(outcome: .skip, message: "no image matches \(references.joined(separator: ", "))") }
        let verifyDigest = entry["verifyDigest"]?.bool ?? true
        let mutateDigest = entry["mutateDigest"]?.bool ?? true
        let required = entry["required"]?.bool ?? true
        let hasAttestors = !(entry["attestors"]?.items.isEmpty ?? true) || !(entry["attestations"]?.items.isEmpty ?? true)
        var undecidable: [String] = []
        for image in matching {
            if verifyDigest && !image.hasDigest {
                if mutateDigest {
                    // The mutating webhook would look the tag's digest up in the registry and pin it.
                    undecidable.append("digest of \(image.reference) would be resolved from the registry (mutateDigest)")
                    continue
                }
                return Verdict(outcome: .fail, message: "missing digest for \(image.reference)")
            }
            if required || hasAttestors {
                undecidable.append("signature of \(image.reference) needs the registry and the transparency log")
            }
        }
        if !undecidable.isEmpty { return Verdict(outcome: .undecidable, message: "undecidable offline: " + undecidable.joined(separator: "; ")) }
        return Verdict(outcome: .pass, message: "image verified")
    }
}
