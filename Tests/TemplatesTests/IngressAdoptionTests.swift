import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// The ingress controller's Service adopts the load balancer / address Terraform made:
/// for every cloud, the annotation in the generated Helm values equals the name Terraform
/// gives the resource, read the way Terraform reads it (live stack output → cluster module
/// output → resource → its `name` expression, evaluated by `terraform console` with the
/// naming module evaluated on the stack's own tfvars).
@Suite struct IngressAdoptionTests {
    struct Stack {
        var files: [String: String]
        func text(_ path: String) throws -> String { try #require(files[path], "\(path) is not generated") }
    }

    /// `output "NAME" { … value = EXPR }` → EXPR.
    static func outputValue(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "output \"\(name)\" {") else { return nil }
        let block = text[start.upperBound...].prefix { $0 != "}" }
        return block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("value ") }?.split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
    }

    /// The `name = …` attribute of `resource "TYPE" "LABEL"`.
    static func resourceName(_ type: String, _ label: String, in text: String) -> String? {
        guard let start = text.range(of: "resource \"\(type)\" \"\(label)\" {") else { return nil }
        return text[start.upperBound...].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("name ") }?.split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
    }

    /// `key = "value"` lines of a tfvars file.
    static func tfvars(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\"") else { continue }
            values[parts[0]] = String(parts[1].dropFirst().dropLast())
        }
        return values
    }

    @Test func annotationsNameTheResourcesTerraformMakes() throws {
        let loaded = try TerraformTranslatorTests.galaxyWithEveryCloud()
        let infra = Dictionary(uniqueKeysWithValues: try TerraformTranslator.files(for: loaded).map { ($0.path, $0.contents) })
        let stack = Stack(files: infra)
        let ops = Generator.plan(for: loaded).files(in: .ops)
        let terraform: TerraformCLI? = try TestTools.require("terraform") ? TerraformCLI() : nil
        if terraform == nil { Issue.record("terraform is not installed: names compared, expressions not evaluated (CI fails here)") }
        var checked: Set<String> = []
        for context in ClusterContext.all(loaded) where !context.environment.isLocal {
            let valuesPath = "\(ClusterArea.base.directory(context.scope))/values/ingress-nginx.yaml"
            let valuesText = try #require(ops.first { $0.path == valuesPath }?.contents, "\(valuesPath)")
            let values = try #require(try GitOps.documents(valuesText).first)
            let annotations = values["controller"]?["service"]?["annotations"]
            guard let binding = IngressAdoption.binding(cloud: context.region.cloud) else {
                #expect(annotations == nil, "\(context.scope.name) (\(context.region.cloud)) adopts nothing")
                continue
            }
            let annotated = try #require(annotations?[binding.annotation]?.scalarText, "\(context.scope.name): no \(binding.annotation)")

            // live output → module.cluster.<output> → <type>.<label>.name → the resource's name expression.
            let live = "live/\(context.region.id)/\(context.scope.environment)"
            let liveValue = try #require(Self.outputValue(binding.terraformOutput, in: try stack.text("\(live)/outputs.tf")),
                                         "\(live) has no output \(binding.terraformOutput)")
            #expect(liveValue.hasPrefix("module.cluster."), "\(liveValue)")
            let cloud = context.region.cloud
            let moduleOutput = String(liveValue.dropFirst("module.cluster.".count))
            let reference = try #require(Self.outputValue(moduleOutput, in: try stack.text("modules/\(cloud)/cluster/outputs.tf")))
            let parts = reference.split(separator: ".").map(String.init)
            try #require(parts.count == 3 && parts[2] == "name", "\(cloud): \(moduleOutput) = \(reference) is not a resource's name")
            let expression = try #require(Self.resourceName(parts[0], parts[1], in: try stack.text("modules/\(cloud)/cluster/main.tf")))

            guard let terraform else { continue }
            // The stack's name: the naming module on the stack's tfvars.
            let naming = try TemporaryDirectory(prefix: "tf-naming")
            for file in ["main.tf", "variables.tf", "outputs.tf"] {
                try stack.text("modules/shared/naming/\(file)").write(to: naming.url.appendingPathComponent(file), atomically: true, encoding: .utf8)
            }
            let vars = Self.tfvars(try stack.text("\(live)/terraform.tfvars"))
            var arguments = ["console"]
            for key in ["platform", "region", "environment", "country", "residency"] {
                arguments += ["-var", "\(key)=\(try #require(vars[key], "\(live): no \(key)"))"]
            }
            arguments += ["-var", "cloud=\(cloud)"]
            let name = try terraform.run(arguments, in: naming.url, stdin: "local.name\n")
            try #require(name.succeeded, "\(name.stderr)")
            let stackName = name.stdout.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))

            let resource = try TemporaryDirectory(prefix: "tf-resource-name")
            try "variable \"name\" {\n  type = string\n}\n".write(to: resource.url.appendingPathComponent("main.tf"), atomically: true, encoding: .utf8)
            let evaluated = try terraform.run(["console", "-var", "name=\(stackName)"], in: resource.url, stdin: "\(expression)\n")
            try #require(evaluated.succeeded, "\(evaluated.stderr)")
            let resourceName = evaluated.stdout.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            #expect(annotated == resourceName, "\(context.scope.name): the Service names \(annotated), Terraform makes \(resourceName)")
            checked.insert(cloud)
        }
        if terraform != nil { #expect(checked == ["digitalocean", "azure", "gcp"]) }
    }

    /// Every Ingress host of a cloud cluster is a name Terraform's DNS zone of that region and
    /// environment holds (`hosts` inside `zone`), and the cluster's certificate names exactly
    /// the hosts its Ingresses serve.
    @Test func ingressHostsAreTheNamesOfTheRegionalZoneAndTheCertificateCoversThem() throws {
        let loaded = try TerraformTranslatorTests.galaxyWithEveryCloud()
        let infra = Dictionary(uniqueKeysWithValues: try TerraformTranslator.files(for: loaded).map { ($0.path, $0.contents) })
        let ops = Generator.plan(for: loaded).files(in: .ops)
        for context in ClusterContext.all(loaded) {
            let objects = try ops.filter { $0.path.hasPrefix("cluster/") && $0.path.contains("/\(context.scope.name)/") && !$0.path.contains("/values/") }
                .flatMap { try GitOps.documents($0.contents) }
            let ingressHosts = Set(objects.filter { GitOps.kind($0) == "Ingress" }
                .flatMap { ($0["spec"]?["rules"]?.items ?? []).compactMap { $0["host"]?.scalarText } })
            #expect(!ingressHosts.isEmpty, "\(context.scope.name)")
            let certificate = try #require(objects.first { GitOps.kind($0) == "Certificate" }, "\(context.scope.name) has no certificate")
            #expect(Set((certificate["spec"]?["dnsNames"]?.items ?? []).compactMap(\.scalarText)) == ingressHosts)
            #expect(GitOps.namespace(certificate) == ClusterNamespaces.ingressNginx)
            let issuer = try #require(objects.first { GitOps.kind($0) == "ClusterIssuer" })
            #expect(certificate["spec"]?["issuerRef"]?["name"] == issuer["metadata"]?["name"])
            #expect((issuer["spec"]?["selfSigned"] != nil) == context.environment.isLocal, "\(context.scope.name)")
            guard !context.environment.isLocal else { continue }
            let vars = try #require(infra["live/\(context.region.id)/\(context.scope.environment)/terraform.tfvars"])
            let zone = try #require(Self.tfvars(vars)["zone"])
            let hostsLine = try #require(vars.split(separator: "\n").first { $0.hasPrefix("hosts ") })
            let labels = hostsLine.split(separator: "[").last?.dropLast().split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? []
            #expect(ingressHosts == Set(labels.map { "\($0).\(zone)" }), "\(context.scope.name): \(ingressHosts.sorted()) vs zone \(zone) \(labels)")
        }
    }
}
