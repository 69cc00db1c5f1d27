public import Foundation
import BlueprintModel

/// What each fuzz target does with one input. The fuzzers (`Fuzz/<target>/main.swift`)
/// and the regression test (`Tests/FuzzRegressionTests`) call exactly these; an
/// invariant that does not hold stops the process, which libFuzzer reports as a crash.
public enum FuzzEntry {
    /// Separates the blueprint from the pins file, and the pins from the `staging`
    /// overlay, in a blueprint input (a YAML comment, so seeds stay readable).
    public static let pinsMarker = Data("\n#fuzz:pins\n".utf8)
    public static let overlayMarker = Data("\n#fuzz:overlay\n".utf8)

    /// The loader and the validator, from memory: `blueprint [#fuzz:pins pins] [#fuzz:overlay overlay]`.
    public static func blueprint(_ input: Data) {
        var files: [String: Data] = [:]
        var rest = input
        var overlay: Data?
        if let range = rest.range(of: overlayMarker) {
            overlay = rest[range.upperBound...]
            rest = rest[..<range.lowerBound]
        }
        if let range = rest.range(of: pinsMarker) {
            files["fuzz/blueprint.pins.yaml"] = Data(rest[range.upperBound...])
            rest = rest[..<range.lowerBound]
        }
        files["fuzz/blueprint.yaml"] = Data(rest)
        if let overlay { files["fuzz/overlays/staging.yaml"] = Data(overlay) }

        do {
            let loaded = try BlueprintLoader.load(path: "fuzz/blueprint.yaml", files: .memory(files))
            // A blueprint that loads has a view for every overlay it was given.
            if overlay != nil, loaded.views["staging"] == nil, loaded.base.environments.contains(where: { $0.name == "staging" }) {
                // An empty (null) overlay leaves the base as the view: not an error.
                let text = String(decoding: overlay!, as: UTF8.self)
                check((try? SourceNode.parse(text, file: "o"))?.isNull == true, "staging overlay dropped")
            }
        } catch {
            check(!error.diagnostics.isEmpty, "an error without diagnostics")
            for diagnostic in error.diagnostics {
                check(files[diagnostic.location.file] != nil || diagnostic.location.file.hasPrefix("<"),
                      "a diagnostic in a file that was not read: \(diagnostic)")
                check(diagnostic.severity != .error || !diagnostic.message.isEmpty, "an empty message")
            }
        }
    }

    /// Stops the process when `condition` is false (also in release builds).
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant: \(message())") }
    }
}
