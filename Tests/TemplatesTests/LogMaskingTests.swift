import BlueprintModel
import Foundation
import Testing
@testable import Templates

/// Personal data masked by the log collector before a line leaves the node: the rules'
/// expressions applied with the `stage.replace` semantics (every match's capture group
/// replaced) to lines that must be masked and lines that must pass untouched.
@Suite("Logs: personal data masked on the node, tenant labels")
struct LogMaskingTests {
    /// `stage.replace`: in every match, the first capture group becomes `replacement`.
    func apply(_ rules: [LogMasking.Rule], to line: String) throws -> String {
        var text = line
        for rule in rules {
            let expression = try NSRegularExpression(pattern: rule.expression)
            let matches = expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
            for match in matches.reversed() {
                let group = try #require(Range(match.range(at: 1), in: text), "\(rule.mask): no capture group")
                text.replaceSubrange(group, with: rule.replacement)
            }
        }
        return text
    }

    @Test func personalDataIsMaskedAndEverythingElseIsLeftAlone() throws {
        let rules = LogMasking.rules(Observability.LogMask.allCases, country: "tr")
        #expect(rules.map(\.mask) == [.email, .phone, .nationalId])
        let masked = [
            "user alice.smith+tag@example.co.uk signed in": "user <email> signed in",
            "sms to +90 532 123 45 67 queued": "sms to <phone> queued",
            "callback +1 (415) 555-0100": "callback <phone>",
            "patient 12345678901 admitted": "patient <national-id> admitted",
            #"{"email":"bob@galaxy.health","tckn":"10000000146"}"#: #"{"email":"<email>","tckn":"<national-id>"}"#,
        ]
        for (line, expected) in masked { let actual = try apply(rules, to: line); #expect(actual == expected, "\(actual)") }
        let untouched = [
            "2026-12-07T23:00:25.123+03:00 GET /orgs 200 12ms",
            "request id 3f9a1c77-e2d4-4b8e-9d1a-0c6b2f4e8a11",
            "took 1.25s, 1048576 bytes from 10.0.0.12:8080",
            "epoch 1733612425123 order 01234567890",
            "image ghcr.io/galaxy/api@sha256:4d4d4d4d4d4d",
        ]
        for line in untouched { #expect(try apply(rules, to: line) == line, "\(line)") }
    }

    @Test func nationalIdentityNumbersFollowTheRegionsCountry() throws {
        #expect(try apply(LogMasking.rules([.nationalId], country: "us"), to: "ssn 078-05-1120") == "ssn <national-id>")
        #expect(try apply(LogMasking.rules([.nationalId], country: "gb"), to: "nino AB123456C") == "nino <national-id>")
        #expect(try apply(LogMasking.rules([.nationalId], country: "nl"), to: "bsn 111222333") == "bsn <national-id>")
        #expect(try apply(LogMasking.rules([.nationalId], country: "es"), to: "dni 12345678Z, nie X1234567L") == "dni <national-id>, nie <national-id>")
        // A country whose number scaffold does not know: no rule, rather than a wrong one.
        #expect(LogMasking.rules([.nationalId], country: "jp").isEmpty)
    }

    @Test func theCollectorMasksLabelsTenantsAndCanBeTurnedOff() throws {
        var context = try ChartValuesTests.context("staging-tr")
        let config = try #require(ComponentValues.values(.alloy, context)["alloy"]?["configMap"]?["content"]?.scalarText)
        for rule in LogMasking.rules(Observability.LogMask.allCases, country: "tr") {
            #expect(config.contains("expression = `\(rule.expression)`\n    replace    = \"\(rule.replacement)\""), "\(rule.mask)")
        }
        // After the CRI stage (the line is the message by then), before the write.
        let cri = try #require(config.range(of: "stage.cri {}")), replace = try #require(config.range(of: "stage.replace")),
            forward = try #require(config.range(of: "forward_to = [loki.write.regional.receiver]"))
        #expect(cri.upperBound <= replace.lowerBound && replace.upperBound <= forward.lowerBound)
        #expect(config.contains("regex         = \"tenant-(.+)\"\n    target_label  = \"tenant\""))

        context.blueprint.observability.logMasking = []
        let off = try #require(ComponentValues.values(.alloy, context)["alloy"]?["configMap"]?["content"]?.scalarText)
        #expect(!off.contains("stage.replace") && off.contains("stage.cri {}\n  forward_to"))
    }
}
