public import Foundation
import BlueprintModel
import ScaffoldCore

extension FuzzEntry {
    static let digest = "sha256:" + String(repeating: "5", count: 64)

    /// The pins file, both ways it is read: the loader's parse and schema check, and
    /// `scaffold bump`'s textual editor, whose result must hold the new pin and be a
    /// fixed point of the same edit.
    public static func pins(_ input: Data) {
        let text = String(decoding: input, as: UTF8.self)
        if let root = try? SourceNode.parse(text, file: "fuzz.pins.yaml") {
            _ = SchemaChecker.check(root, against: BlueprintSchema.pins)
        }
        guard let edited = try? PinsEditor.setting(digest, service: "api", entry: "staging", in: text) else { return }
        let root: SourceNode
        do {
            root = try SourceNode.parse(edited, file: "edited.pins.yaml")
        } catch {
            // Over a limit after the edit (one line longer) is fine; anything else is not.
            check(error.diagnostics.contains { $0.message.contains("more than") || $0.message.contains("larger than") },
                  "the edited pins file does not parse: \(error)\n--- input\n\(text)\n--- edited\n\(edited)")
            return
        }
        check(root["pins"]?["api"]?["staging"]?.string == digest,
              "the edited pins file lacks the pin\n--- input\n\(text)\n--- edited\n\(edited)")
        let again = try? PinsEditor.setting(digest, service: "api", entry: "staging", in: edited)
        check(again == edited, "the same edit twice changed the file again\n--- edited\n\(edited)\n--- again\n\(again ?? "(error)")")
    }
}
