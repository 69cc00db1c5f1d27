import Foundation

/// Looks for secret values in rendered output: Kubernetes Secrets carrying data,
/// secret-looking keys with literal values (ConfigMaps, container env, Terraform
/// variables), passwords in SQL and URLs, private keys and well-known token formats.
/// References to a secret store (ExternalSecrets, `secretKeyRef`) are what should be
/// there instead, and pass. A hit names where it is, never the value.
public enum SecretScanner {
    /// One suspected secret value.
    public struct Hit: Sendable, Hashable, Comparable {
        public var location: RenderedLocation
        public var reason: String

        public static func < (lhs: Hit, rhs: Hit) -> Bool { (lhs.location, lhs.reason) < (rhs.location, rhs.reason) }
    }

    /// Key names that hold secrets.
    static let secretWords = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE_KEY", "PRIVATEKEY", "API_KEY", "APIKEY", "ACCESS_KEY", "CREDENTIAL"]

    static func looksSecret(_ key: String) -> Bool {
        var upper = key.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        // An access key *id* names a user (`S3_ACCESS_KEY_ID: backend-api`), it is not a
        // secret; its secret is `…SECRET_ACCESS_KEY`. AWS's own ids are caught by pattern.
        if upper.hasSuffix("ACCESS_KEY_ID") { upper.removeLast("ACCESS_KEY_ID".count) }
        return secretWords.contains { upper.contains($0) }
    }

    /// Compiled once.
    static let patterns: [(NSRegularExpression, String)] = [
        ("-----BEGIN [A-Z ]*PRIVATE KEY-----", "a private key"),
        ("AKIA[0-9A-Z]{16}", "an AWS access key id"),
        ("[a-z][a-z0-9+.-]*://[^/\\s:@'\"]+:[^/\\s@'\"]+@", "a URL with a password"),
        ("(?i)\\bPASSWORD\\s+'[^']*'", "a password in SQL"),
        ("gh[pousr]_[A-Za-z0-9]{36}", "a GitHub token"),
        ("xox[baprs]-[A-Za-z0-9-]{10,}", "a Slack token"),
    ].compactMap { pattern, reason in (try? NSRegularExpression(pattern: pattern)).map { ($0, reason) } }

    public static func scan(_ tree: RenderedTree) -> (files: Int, hits: [Hit]) {
        var hits: [Hit] = []
        for path in tree.paths {
            let text = tree.files[path] ?? ""
            hits += textPatterns(text, path: path)
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                hits += manifests(text, path: path)
            } else if path.hasSuffix(".tfvars") || path.hasSuffix(".tf") {
                hits += terraform(text, path: path)
            }
        }
        return (tree.files.count, Array(Set(hits)).sorted())
    }

    /// Patterns no generated file may contain, whatever its language.
    static func textPatterns(_ text: String, path: String) -> [Hit] {
        var hits: [Hit] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let string = String(line)
            let range = NSRange(string.startIndex..., in: string)
            for (regex, reason) in patterns where regex.firstMatch(in: string, range: range) != nil {
                hits.append(Hit(location: RenderedLocation(file: path, line: index + 1), reason: reason))
            }
        }
        return hits
    }

    static func manifests(_ text: String, path: String) -> [Hit] {
        guard let documents = try? ManifestReader.documents(text, file: path) else { return [] }
        var hits: [Hit] = []
        for document in documents {
            guard let object = ManifestReader.object(document, file: path) else { continue }
            switch object.kind {
            case "Secret":
                for key in ["data", "stringData"] {
                    if let data = object.body[key], !data.entries.isEmpty {
                        hits.append(Hit(location: object.location.at(data.line), reason: "Secret \(object.name) carries \(key) values"))
                    }
                }
            case "ConfigMap":
                for entry in object.body["data"]?.entries ?? [] where looksSecret(entry.key) && !(entry.value.string ?? "").isEmpty {
                    hits.append(Hit(location: object.location.at(entry.value.line), reason: "ConfigMap \(object.name) sets \(entry.key)"))
                }
            default:
                break
            }
            if let template = EndpointCatalog.podTemplate(object) {
                // Volumes filled from a Secret: a `<NAME>_FILE` variable naming a file in one
                // of them is the reference the `_FILE` convention makes, not a value.
                let secretVolumes = Set((template.spec?["volumes"]?.items ?? []).filter { $0["secret"] != nil }.compactMap { $0["name"]?.string })
                for container in (template.spec?["containers"]?.items ?? []) + (template.spec?["initContainers"]?.items ?? []) {
                    let secretDirectories = (container["volumeMounts"]?.items ?? [])
                        .filter { secretVolumes.contains($0["name"]?.string ?? "") }.compactMap { $0["mountPath"]?.string }
                    for variable in container["env"]?.items ?? [] {
                        guard let name = variable["name"]?.string, looksSecret(name),
                              let value = variable["value"]?.string, !value.isEmpty else { continue }
                        if name.hasSuffix("_FILE"), secretDirectories.contains(where: { value.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) {
                            continue
                        }
                        hits.append(Hit(location: object.location.at(variable.line), reason: "\(object.kind) \(object.name) sets \(name) in env"))
                    }
                }
            }
        }
        return hits
    }

    static func terraform(_ text: String, path: String) -> [Hit] {
        var hits: [Hit] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let assignment = HCLAssignment(line), looksSecret(assignment.name), !assignment.value.isEmpty,
                  !assignment.value.hasPrefix("${"), !assignment.value.hasPrefix("var.") else { continue }
            hits.append(Hit(location: RenderedLocation(file: path, line: index + 1), reason: "\(assignment.name) has a literal value"))
        }
        return hits
    }
}
