import BlueprintModel
import Foundation
import Testing
import TestSupport

/// The printed JSON Schema is checked by a real JSON Schema validator (Python's
/// `jsonschema`) against the example blueprint and a broken one.
@Suite struct JSONSchemaTests {
    static let checker = """
        import json, sys, yaml, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(open(sys.argv[2]))))
        for e in errors: print("/".join(map(str, e.absolute_path)), e.message)
        sys.exit(1 if errors else 0)
        """

    func check(_ blueprintText: String) throws -> ProcessResult? {
        guard try TestTools.require("python3") else { return nil }
        let directory = try TemporaryDirectory()
        let schema = directory.url.appendingPathComponent("schema.json")
        let blueprint = directory.url.appendingPathComponent("b.yaml")
        try JSONSchemaPrinter.print(BlueprintSchema.blueprint, id: "urn:test", title: "t").write(to: schema, atomically: true, encoding: .utf8)
        try blueprintText.write(to: blueprint, atomically: true, encoding: .utf8)
        return try TestTools.run("python3", ["-c", Self.checker, schema.path, blueprint.path])
    }

    @Test func galaxyConformsToThePrintedSchema() throws {
        let text = try String(contentsOf: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml"), encoding: .utf8)
        guard let result = try check(text) else { return }
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    @Test func schemaRejectsUnknownKeysAndBadEnums() throws {
        let text = try String(contentsOf: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "    cloud: azure\n", with: "    cloud: aws\n")
            .replacingOccurrences(of: "    port: 8081\n", with: "    prot: 8081\n")
        guard let result = try check(text) else { return }
        #expect(!result.succeeded)
        #expect(result.stdout.contains("'aws' is not one of"))
        #expect(result.stdout.contains("'prot' was unexpected"))
    }
}
