import Foundation
import TestSupport

/// Runs the `terraform` binary for tests, isolated from the machine: an empty CLI
/// configuration, a private plugin cache, no checkpoint calls, no prompts.
/// Nothing global is read or written; the private folder goes away with the value.
final class TerraformCLI: Sendable {
    let home: TemporaryDirectory

    init() throws {
        home = try TemporaryDirectory(prefix: "terraform-home")
        try FileManager.default.createDirectory(at: home.url.appendingPathComponent("plugin-cache"), withIntermediateDirectories: true)
        try "".write(to: home.url.appendingPathComponent("terraformrc"), atomically: true, encoding: .utf8)
    }

    /// Runs `terraform <arguments>` in `folder`.
    func run(_ arguments: [String], in folder: URL, stdin: String? = nil) throws -> ProcessResult {
        try TestTools.run("terraform", arguments, cwd: folder, stdin: stdin, environment: [
            "TF_CLI_CONFIG_FILE": home.url.appendingPathComponent("terraformrc").path,
            "TF_PLUGIN_CACHE_DIR": home.url.appendingPathComponent("plugin-cache").path,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        ])
    }
}
