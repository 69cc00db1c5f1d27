import Foundation
import FuzzEntries
import Testing

/// Every input a fuzzer once crashed on (`Fuzz/Regressions/<target>/`) runs through
/// the same entry as the fuzzer; a regression stops the test process like it stopped
/// the fuzzer.
@Suite struct FuzzRegressionTests {
    static let entries: [String: @Sendable (Data) -> Void] = [
        "blueprint": FuzzEntry.blueprint, "pins": FuzzEntry.pins, "sql": FuzzEntry.sql, "resp": FuzzEntry.resp,
    ]

    /// `Fuzz/Regressions`, found upwards from this file (the fuzz package links this folder in).
    static let regressions: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("Fuzz/Regressions")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        fatalError("Fuzz/Regressions not found above \(#filePath)")
    }()

    static var cases: [String] {
        entries.keys.sorted().flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: regressions.appendingPathComponent(target).path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { "\(target)/\($0)" }
        }
    }

    @Test func everyTargetHasARegressionFolder() {
        for target in Self.entries.keys {
            #expect(FileManager.default.fileExists(atPath: Self.regressions.appendingPathComponent(target).path), "\(target)")
        }
    }

    @Test(arguments: cases)
    func storedCrashNoLongerCrashes(_ name: String) throws {
        let target = String(name.prefix { $0 != "/" })
        let input = try Data(contentsOf: Self.regressions.appendingPathComponent(name))
        let entry = try #require(Self.entries[target])
        entry(input)
    }

    @Test func seedsOfEveryTargetRun() {
        // The entries themselves hold on valid input (the fuzzers start from such seeds).
        FuzzEntry.blueprint(Data("apiVersion: scaffold.dev/v1\n".utf8))
        FuzzEntry.pins(Data("apiVersion: scaffold.dev/v1\nkind: Pins\npins:\n  api:\n    staging: sha256:\(String(repeating: "a", count: 64))\n".utf8))
        FuzzEntry.sql(Data("CREATE TABLE t (id int);\n-- done\nSELECT ';';".utf8))
        FuzzEntry.resp(Data("+OK\r\n*2\r\n$1\r\na\r\n:7\r\n$5\r\nhel".utf8))
    }
}
