import Foundation
import Renderer
import TestSupport
import Testing

/// The HCL printer: exact text for small trees, and agreement with `terraform fmt`
/// and Terraform's own evaluator on many generated trees.
@Suite struct TerraformHCLPrinterTests {
    @Test func alignsEqualsWithinRunsAndSeparatesBlocks() {
        let text = HCLPrinter.print(body: [
            .block(HCLBlock("variable", "node_count", body: [
                .attr("type", HCLType.number.expression),
                .attr("description", "How many nodes."),
                .attr("default", 3),
                .block(HCLBlock("validation", body: [
                    .attr("condition", .binary(.greaterOrEqual, .variable("node_count"), 1)),
                    .attr("error_message", "At least one node."),
                ])),
            ])),
            .comment("The cluster."),
            .block(HCLBlock("resource", "digitalocean_vpc", "this", body: [
                .attr("name", .variable("name")),
                .attr("ip_range", .variable("cidr")),
                .blankLine,
                .attr("description", .template([.literal("Network of "), .interpolation(.variable("name"))])),
            ])),
            .block(HCLBlock("provider", "azurerm", body: [.block(HCLBlock("features"))])),
        ])
        #expect(text == """
            variable "node_count" {
              type        = number
              description = "How many nodes."
              default     = 3

              validation {
                condition     = var.node_count >= 1
                error_message = "At least one node."
              }
            }

            # The cluster.
            resource "digitalocean_vpc" "this" {
              name     = var.name
              ip_range = var.cidr

              description = "Network of ${var.name}"
            }

            provider "azurerm" {
              features {}
            }

            """)
    }

    /// checkov's in-line suppressions sit first in a resource block; they neither
    /// break the alignment of the attributes after them nor get blank lines around them.
    @Test func commentsInsideABlockKeepTheAttributesAligned() {
        let text = HCLPrinter.print(body: [
            .block(HCLBlock("resource", "azurerm_storage_container", "this", body: [
                .comment("checkov:skip=CKV2_AZURE_21:storage insights need the account's shared key"),
                .attr("for_each", .variable("buckets")),
                .blankLine,
                .attr("name", .reference("each.value.name")),
                .attr("container_access_type", "private"),
            ])),
        ])
        #expect(text == """
            resource "azurerm_storage_container" "this" {
              # checkov:skip=CKV2_AZURE_21:storage insights need the account's shared key
              for_each = var.buckets

              name                  = each.value.name
              container_access_type = "private"
            }

            """)
    }

    @Test func multiLineValuesBreakAlignmentAndIndentByBracketGroup() {
        let type = HCLType.map(.object([
            .init("name", .string),
            .init("versioning", .bool),
            .init("expiration_days", .number, optional: true),
        ]))
        let text = HCLPrinter.print(body: [
            .attr("type", type.expression),
            .attr("tags", .sortedStrings(["region": "tr", "environment": "staging"])),
            .attr("a", .list([])),
            .attr("zones", .strings(["1", "2", "3"])),
            .attr("merged", .call("merge", [.variable("tags"), .object(["name": .variable("name")])])),
            .attr("nested", .call("concat", [.list([.object(["x": 1])]), .variable("more")])),
            .attr("for", .forObject(key: "k", value: "v", in: .variable("buckets"), resultKey: .reference("k"), resultValue: .reference("v.name"))),
        ])
        #expect(text == """
            type = map(object({
              name            = string
              versioning      = bool
              expiration_days = optional(number)
            }))
            tags = {
              environment = "staging"
              region      = "tr"
            }
            a     = []
            zones = ["1", "2", "3"]
            merged = merge(var.tags, {
              name = var.name
            })
            nested = concat(
              [
                {
                  x = 1
                },
              ],
              var.more
            )
            for = { for k, v in var.buckets : k => v.name }

            """)
    }

    @Test func escapesStringsAndKeepsOnlyIntendedInterpolation() {
        #expect(HCLPrinter.print(.string("a ${b} %{c} \"q\" \\ \n\t é")) == #""a $${b} %%{c} \"q\" \\ \n\t é""#)
        #expect(HCLPrinter.print(.string("\u{1}")) == #""\u0001""#)
        #expect(HCLPrinter.print(.string("$${x}")) == #""$$${x}""#)
        #expect(HCLPrinter.print(.template([.interpolation(.variable("x"))])) == "var.x")
        #expect(HCLPrinter.print(.template([.literal("cost: $"), .interpolation(.variable("x"))])) == #""cost: ${"$"}${var.x}""#)
        #expect(HCLPrinter.print(.template([.literal("k8s:"), .interpolation(.reference("digitalocean_kubernetes_cluster.this.id"))]))
            == #""k8s:${digitalocean_kubernetes_cluster.this.id}""#)
        #expect(HCLPrinter.print(.object(["a.b/c": 1, "for": 2, "ok_key": 3])) == """
            {
              "a.b/c" = 1
              "for"   = 2
              ok_key  = 3
            }
            """)
    }

    @Test func parenthesizesByPrecedence() {
        let a = HCLExpression.variable("a"), b = HCLExpression.variable("b"), c = HCLExpression.variable("c")
        #expect(HCLPrinter.print(.binary(.multiply, .binary(.add, a, b), c)) == "(var.a + var.b) * var.c")
        #expect(HCLPrinter.print(.binary(.add, a, .binary(.multiply, b, c))) == "var.a + var.b * var.c")
        #expect(HCLPrinter.print(.binary(.subtract, a, .binary(.subtract, b, c))) == "var.a - (var.b - var.c)")
        #expect(HCLPrinter.print(.unary(.not, .binary(.and, a, b))) == "!(var.a && var.b)")
        #expect(HCLPrinter.print(.conditional(.binary(.equal, a, .null), [], [a])) == "var.a == null ? [] : [var.a]")
        #expect(HCLPrinter.print(.attribute(.index(.reference("module.bucket.names"), "uploads"), "id")) == #"module.bucket.names["uploads"].id"#)
    }

    /// `terraform fmt` spaces a negation after `${`, `=>`, `in` and `if`; so does the printer.
    @Test func negationAfterKeywordsIsSpacedAsTerraformFmtDoes() {
        let minusOne = HCLExpression.unary(.negate, 1)
        #expect(HCLPrinter.print(.template([.literal("a"), .interpolation(minusOne)])) == #""a${- 1}""#)
        #expect(HCLPrinter.print(.forObject(key: "k", value: "v", in: .variable("x"), resultKey: .reference("k"), resultValue: .int(-1)))
            == "{ for k, v in var.x : k => - 1 }")
        #expect(HCLPrinter.print(.forList(key: nil, value: "v", in: .unary(.negate, .variable("x")), result: .reference("v"),
                                          if: .unary(.negate, .reference("v")))) == "[for v in - var.x : v if - v]")
        #expect(HCLPrinter.print(.list([minusOne, .binary(.subtract, 2, minusOne)])) == "[-1, 2 - -1]")
    }

    @Test func fileHeaderAndTrailingNewline() {
        let file = HCLFile(header: ["Generated by scaffold from galaxy.yaml."], body: [.attr("a", 1)])
        #expect(file.text == "# Generated by scaffold from galaxy.yaml.\n\na = 1\n")
    }

    /// Hundreds of generated trees, printed and handed to `terraform fmt`: it must
    /// not change a byte.
    @Test func terraformFmtLeavesPrintedTreesUntouched() throws {
        guard try TestTools.require("terraform") else {
            Issue.record("terraform is not installed; the fmt agreement test did not run")
            return
        }
        let folder = try TemporaryDirectory(prefix: "hcl-fmt")
        var generator = HCLTreeGenerator(seed: 0x5CAF_F01D)
        var printed: [String: String] = [:]
        for index in 0..<400 {
            let name = String(format: "tree%03d.tf", index)
            let text = HCLFile(header: ["tree \(index)"], body: generator.body(depth: 0)).text
            printed[name] = text
            try text.write(to: folder.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try TerraformCLI().run(["fmt", "-check", "-diff", "-no-color", "-recursive", "."], in: folder.url)
        #expect(result.succeeded, "terraform fmt would change printed HCL:\n\(result.stdout)\(result.stderr)")
    }

    /// Strings survive printing: Terraform evaluates each printed literal back to
    /// the exact Swift string (escapes, `${`, `%{`, dollars before interpolation).
    @Test func terraformReadsPrintedStringsBack() throws {
        guard try TestTools.require("terraform") else {
            Issue.record("terraform is not installed; the string round-trip test did not run")
            return
        }
        let samples = [
            "plain", "", "${var.x}", "%{ if true }x%{ endif }", "$${", "$$${", "%%{", "$", "%", "a$", "quote \" backslash \\ end\\",
            "new\nline\r\ttab", "é ü 日本 🚀", "\u{1}\u{7F}", "{}", "$ {", "100%", "a$$", "${${x}}",
        ]
        var items: [HCLBodyItem] = []
        for (index, sample) in samples.enumerated() {
            items.append(.attr("s\(index)", .string(sample)))
            // The same text before an interpolation of "!", as a template.
            items.append(.attr("t\(index)", .template([.literal(sample), .interpolation(.string("!"))])))
        }
        let folder = try TemporaryDirectory(prefix: "hcl-strings")
        try HCLFile(body: [.block(HCLBlock("locals", body: items))]).text
            .write(to: folder.url.appendingPathComponent("main.tf"), atomically: true, encoding: .utf8)
        let names = samples.indices.flatMap { ["local.s\($0)", "local.t\($0)"] }
        // Base64 keeps the console's own quoting out of the way.
        let result = try TerraformCLI().run(["console"], in: folder.url, stdin: "base64encode(jsonencode([\(names.joined(separator: ", "))]))\n")
        try #require(result.succeeded, "terraform console failed: \(result.stderr)")
        let encoded = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let json = try #require(Data(base64Encoded: encoded), "not base64: \(result.stdout)")
        let values = try #require(try JSONSerialization.jsonObject(with: json) as? [String])
        let expected = samples.flatMap { [$0, $0 + "!"] }
        #expect(values == expected)
    }
}

/// A reproducible generator of HCL trees covering every construct the printer
/// supports, within the printer's documented limits (operands and conditions
/// on one line).
struct HCLTreeGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    mutating func identifier() -> String {
        let stems = ["a", "id", "name", "node_count", "very_long_attribute_name", "x-y", "_private", "tags", "k8s"]
        return pick(stems) + (int(0...3) == 0 ? String(int(0...99)) : "")
    }

    mutating func text() -> String {
        let pieces = ["a", "b c", "${", "%{", "$", "%", "{", "}", "\"", "\\", "\n", "\t", "é", "🚀", "${x}", "-", "100"]
        return (0..<int(0...5)).map { _ in pick(pieces) }.joined()
    }

    mutating func reference() -> HCLExpression {
        .reference(pick(["var.region", "each.key", "module.cluster.id", "local.tags", "a.b[0].c", "x[*].id", "count.index", "string"]))
    }

    /// An expression that always prints on one line.
    mutating func simple(depth: Int) -> HCLExpression {
        switch int(0...(depth > 2 ? 4 : 9)) {
        case 0: return .string(text())
        case 1: return .int(int(-5...5000))
        case 2: return .bool(int(0...1) == 0)
        case 3: return .null
        case 4: return reference()
        case 5: return .call(pick(["length", "upper", "coalesce", "try"]), (0..<int(0...2)).map { _ in simple(depth: depth + 1) })
        case 6: return .binary(pick([.add, .subtract, .multiply, .equal, .and, .or, .lessOrEqual, .modulo]), simple(depth: depth + 1), simple(depth: depth + 1))
        case 7: return .unary(pick([.not, .negate]), simple(depth: depth + 1))
        case 8: return .index(pick([reference(), .string(text()), .call("tolist", [reference()])]), key(depth: depth + 1))
        default: return .template([.literal(text()), .interpolation(simple(depth: depth + 1)), .literal(text())])
        }
    }

    /// An index key: anything but the bare keywords `true`, `false` and `null`,
    /// which index nothing (and which `terraform fmt` drops from `x[true]`).
    mutating func key(depth: Int) -> HCLExpression {
        while true {
            let candidate = simple(depth: depth)
            switch candidate {
            case .bool, .null: continue
            default: return candidate
            }
        }
    }

    mutating func collection() -> HCLExpression {
        int(0...2) == 0 ? simple(depth: 3) : reference()
    }

    mutating func filter() -> HCLExpression? {
        int(0...2) == 0 ? simple(depth: 3) : nil
    }

    mutating func expression(depth: Int) -> HCLExpression {
        if depth > 3 { return simple(depth: depth) }
        switch int(0...9) {
        case 0, 1: return .list((0..<int(0...4)).map { _ in int(0...2) == 0 ? expression(depth: depth + 1) : simple(depth: depth + 1) })
        case 2, 3:
            return .object((0..<int(0...4)).map { _ in
                .init(int(0...5) == 0 ? pick(["a.b", "for", "with space", "null"]) : identifier(), expression(depth: depth + 1))
            })
        case 4: return .call(pick(["merge", "concat", "map", "object", "tolist"]), (0..<int(1...3)).map { _ in expression(depth: depth + 1) })
        case 5: return .conditional(simple(depth: depth + 1), simple(depth: depth + 1), expression(depth: depth + 1))
        case 6: return .forList(key: int(0...1) == 0 ? nil : "k", value: "v", in: collection(), result: expression(depth: depth + 1), if: filter())
        case 7:
            return .forObject(key: "k", value: "v", in: collection(), resultKey: .reference("k"), resultValue: expression(depth: depth + 1),
                              if: filter())
        default: return simple(depth: depth)
        }
    }

    /// A body; attribute names are unique in it (Terraform refuses duplicates).
    mutating func body(depth: Int) -> [HCLBodyItem] {
        var used = Set<String>()
        return (0..<int(depth == 0 ? 1...6 : 0...5)).map { _ in
            switch int(0...9) {
            case 0 where depth < 3:
                return .block(HCLBlock(identifier(), labels: (0..<int(0...2)).map { _ in identifier() }, body: body(depth: depth + 1)))
            case 1: return .comment(int(0...3) == 0 ? "" : "note \(int(0...9))")
            case 2: return .blankLine
            default:
                var name = identifier()
                while !used.insert(name).inserted { name += "_\(used.count)" }
                return .attr(name, expression(depth: 0))
            }
        }
    }
}
