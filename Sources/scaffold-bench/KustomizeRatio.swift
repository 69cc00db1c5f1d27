import Foundation

/// Item 8 of the GitOps issue: in the same run as the generation benchmark, time
/// `kubectl kustomize` building every overlay scaffold wrote, and compare it with
/// the time `scaffold generate` took to write the whole tree (target: scaffold at
/// least 10 times faster).
enum KustomizeRatio {
    struct Figures {
        var overlays: Int
        var scaffoldSeconds: Double
        var kustomizeSeconds: Double
        /// kustomize time / scaffold time.
        var ratio: Double { scaffoldSeconds > 0 ? kustomizeSeconds / scaffoldSeconds : 0 }

        var summary: String {
            String(format: "kubectl kustomize of all %d overlays: %.3f s; scaffold generate: %.3f s; scaffold is %.1fx faster (target >= 10x)",
                   overlays, kustomizeSeconds, scaffoldSeconds, ratio)
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case noOverlays(String)
        case kustomize(String, String)
        case kubectlMissing

        var description: String {
            switch self {
            case .noOverlays(let folder): "no overlays under \(folder)/ops/cluster/overlays"
            case .kustomize(let overlay, let error): "kubectl kustomize \(overlay) failed: \(error)"
            case .kubectlMissing: "kubectl is not on PATH"
            }
        }
    }

    /// Builds every `ops/cluster/overlays/*` of a generated output folder with
    /// `kubectl kustomize`, one after the other, and returns the total wall time.
    static func kustomizeAll(outputDirectory: String) throws -> (overlays: Int, seconds: Double) {
        let root = URL(fileURLWithPath: outputDirectory).appendingPathComponent("ops/cluster/overlays")
        let overlays = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
        guard !overlays.isEmpty else { throw Failure.noOverlays(outputDirectory) }
        guard let kubectl = which("kubectl") else { throw Failure.kubectlMissing }
        let start = DispatchTime.now().uptimeNanoseconds
        for overlay in overlays {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kubectl)
            process.arguments = ["kustomize", root.appendingPathComponent(overlay).path]
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Failure.kustomize(overlay, String(decoding: message, as: UTF8.self)) }
        }
        return (overlays.count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The figures for a generation that took `scaffoldSeconds` and wrote `outputDirectory`.
    static func measure(scaffoldSeconds: Double, outputDirectory: String) throws -> Figures {
        let kustomize = try kustomizeAll(outputDirectory: outputDirectory)
        return Figures(overlays: kustomize.overlays, scaffoldSeconds: scaffoldSeconds, kustomizeSeconds: kustomize.seconds)
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
