@testable import BlueprintModel
import Foundation
import Testing
import TestSupport

/// The loader's bounds on YAML files (``YAMLLimits``): exact messages and positions,
/// the boundaries themselves, and a billion-laughs file refused quickly in bounded memory.
@Suite struct YAMLLimitsTests {
    /// Ten anchors, each a list of ten aliases of the previous one: 10^`levels` scalars.
    static func laughs(levels: Int = 9, aliasedKey: Bool = false) -> String {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1..<levels {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        // An aliased mapping key: Yams' own duplicate-key check would hash its whole expansion.
        if aliasedKey { text += "keys: {? *a\(levels - 1) : 1}\n" }
        return text
    }

    static func diagnostics(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let error as DiagnosticsError {
            return error.diagnostics.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func billionLaughsIsRefusedQuicklyInBoundedMemory() {
        for aliasedKey in [false, true] {
            let text = Self.laughs(aliasedKey: aliasedKey)
            let memoryBefore = Self.peakResidentBytes()
            let start = ContinuousClock.now
            let found = Self.diagnostics { _ = try SourceNode.parse(text, file: "laughs.yaml") }
            let elapsed = ContinuousClock.now - start
            // a0…a4 are 123,465 nodes with their keys; the eighth `*a4` of a5 (111,111 nodes each) crosses 1,000,000.
            #expect(found == [
                "laughs.yaml:6:45: error: YAML alias `*a4` expands the file to more than 1,000,000 nodes\n"
                    + "  hint: a file is limited to 1,000,000 YAML nodes, every alias counted as all the nodes it repeats; "
                    + "write the values out or nest fewer aliases; see \"Limits\" in docs/blueprint.md",
            ])
            #expect(elapsed < .seconds(1), "refused after \(elapsed)")
            #expect(Self.peakResidentBytes() - memoryBefore < 64 << 20, "the peak grew by more than 64 MiB")
        }
    }

    @Test func nodeLimitIsExactAndCountsEveryRepetition() {
        let limits = YAMLLimits(maxFileBytes: 1 << 20, maxNodes: 10, maxDepth: 64, maxScalarBytes: 100)
        // The mapping, two keys, `&x` (a list of three) and `*x` (four more): 1 + 2 + 4 + 4 = 11 nodes.
        let overOne = "a: &x [1, 2, 3]\nb: *x\n"
        #expect(Self.diagnostics { try limits.check(overOne, file: "f.yaml") }.map { $0.prefix(while: { $0 != "\n" }) } == [
            "f.yaml:2:4: error: YAML alias `*x` expands the file to more than 10 nodes",
        ])
        #expect(Self.diagnostics { try limits.check("a: &x [1, 2]\nb: *x\n", file: "f.yaml") } == [])  // exactly 1 + 2 + 3 + 3 = 9
        #expect(Self.diagnostics { try limits.check("[1, 2, 3, 4, 5, 6, 7, 8, 9]", file: "f.yaml") } == [])  // 10
        #expect(Self.diagnostics { try limits.check("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", file: "f.yaml") }.map { $0.prefix(while: { $0 != "\n" }) } == [
            "f.yaml:1:29: error: the file has more than 10 YAML nodes",
        ])
    }

    @Test func depthLimitIsExactAndFollowsAliases() {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(Self.diagnostics { _ = try SourceNode.parse(deepest, file: "d.yaml") } == [])
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(Self.diagnostics { _ = try SourceNode.parse(tooDeep, file: "d.yaml") } == [
            "d.yaml:1:65: error: YAML nested more than 64 levels deep\n"
                + "  hint: mappings and lists may nest at most 64 levels deep; see \"Limits\" in docs/blueprint.md",
        ])
        // 62 levels under `&deep`; the alias sits at level 3 (mapping, mapping, then the 62 levels).
        let anchored = "a: &deep " + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "\nb: {c: *deep}\n"
        #expect(Self.diagnostics { _ = try SourceNode.parse(anchored, file: "d.yaml") } == [])
        let nested = "a: &deep " + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "\nb: {c: [*deep]}\n"
        #expect(Self.diagnostics { _ = try SourceNode.parse(nested, file: "d.yaml") }.map { $0.prefix(while: { $0 != "\n" }) } == [
            "d.yaml:2:9: error: YAML alias `*deep` nests the file more than 64 levels deep",
        ])
    }

    @Test func scalarLimitIsExact() {
        let longest = "key: " + String(repeating: "x", count: 64 << 10) + "\n"
        #expect(Self.diagnostics { _ = try SourceNode.parse(longest, file: "s.yaml") } == [])
        let tooLong = "key: \"" + String(repeating: "é", count: 32 << 10) + "x\"\n"
        #expect(Self.diagnostics { _ = try SourceNode.parse(tooLong, file: "s.yaml") } == [
            "s.yaml:1:6: error: YAML value of 65,537 bytes is longer than 64 KiB\n"
                + "  hint: a single value is limited to 65,536 bytes; see \"Limits\" in docs/blueprint.md",
        ])
    }

    @Test func fileSizeLimitIsExactForEveryFileTheLoaderReads() throws {
        let atLimit = Data(("# " + String(repeating: "-", count: (4 << 20) - 3) + "\n").utf8)
        #expect(atLimit.count == 4 << 20)
        #expect(Self.diagnostics { try YAMLLimits.standard.check(String(decoding: atLimit, as: UTF8.self), file: "big.yaml") } == [])
        let overLimit = atLimit + Data("\n".utf8)
        let refusal = { (file: String) in
            "\(file):1:1: error: `\(file)` is larger than 4 MiB\n"
                + "  hint: a blueprint, overlay or pins file is limited to 4,194,304 bytes; see \"Limits\" in docs/blueprint.md"
        }
        let galaxy = try Data(contentsOf: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml"))
        // The blueprint, its pins and an overlay, in memory.
        #expect(Self.diagnostics { _ = try BlueprintLoader.load(path: "b/big.yaml", files: .memory(["b/big.yaml": overLimit])) } == [refusal("b/big.yaml")])
        let pinsFound = Self.diagnostics {
            _ = try BlueprintLoader.load(path: "b/galaxy.yaml", files: .memory(["b/galaxy.yaml": galaxy, "b/galaxy.pins.yaml": overLimit]))
        }
        #expect(pinsFound == [refusal("b/galaxy.pins.yaml")])
        let overlayFound = Self.diagnostics {
            _ = try BlueprintLoader.load(path: "b/galaxy.yaml", files: .memory(["b/galaxy.yaml": galaxy, "b/overlays/staging.yaml": overLimit]))
        }
        #expect(overlayFound == [refusal("b/overlays/staging.yaml")])

        // On disk, a larger file is refused after reading one byte more than the limit.
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("huge.yaml").path
        #expect(FileManager.default.createFile(atPath: path, contents: overLimit + overLimit))
        #expect(BlueprintFiles.disk.read(path, YAMLLimits.standard.maxFileBytes)?.count == (4 << 20) + 1)
        #expect(Self.diagnostics { _ = try BlueprintLoader.load(path: path) } == [refusal(path)])
    }

    @Test func syntaxErrorsKeepTheComposersMessages() {
        // The scan stops quietly at a syntax error or an undefined alias; the composer reports them.
        #expect(Self.diagnostics { _ = try SourceNode.parse("a: *nowhere\n", file: "u.yaml") }.map { $0.prefix(while: { $0 != "\n" }) } == [
            "u.yaml:1:4: error: invalid YAML: found undefined alias",
        ])
        #expect(Self.diagnostics { _ = try SourceNode.parse("a: [1, 2\n", file: "u.yaml") }.count == 1)
    }

    @Test func numbersAreGroupedWithoutALocale() {
        #expect(YAMLLimits.grouped(0) == "0")
        #expect(YAMLLimits.grouped(999) == "999")
        #expect(YAMLLimits.grouped(1000) == "1,000")
        #expect(YAMLLimits.grouped(4_194_304) == "4,194,304")
        #expect(YAMLLimits.bytes(65536) == "64 KiB")
        #expect(YAMLLimits.bytes(4 << 20) == "4 MiB")
        #expect(YAMLLimits.bytes(1000) == "1,000 bytes")
    }
}
