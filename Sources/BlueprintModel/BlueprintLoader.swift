import Foundation

/// A blueprint loaded from disk: the base model, one merged view per environment,
/// and the input files (for the content hash and for diagnostics).
public struct LoadedBlueprint: Sendable {
    /// A file that went into the blueprint, with its bytes.
    public struct InputFile: Sendable, Equatable {
        public enum Role: String, Sendable { case blueprint, overlay, pins }
        public var role: Role
        /// The path as shown in diagnostics (relative as given on the command line).
        public var path: String
        public var contents: Data
    }

    /// The blueprint without any overlay.
    public var base: Blueprint
    /// The blueprint as seen by each environment (its overlay merged), by environment name.
    public var views: [String: Blueprint]
    public var inputs: [InputFile]
    /// The blueprint file's name (no folders), used in generated-file headers.
    public var blueprintName: String
    /// Where the pins file is (it may not exist yet).
    public var pinsPath: String

    /// The view for an environment (the base when the environment has no overlay).
    public func view(_ environment: String) -> Blueprint { views[environment] ?? base }
}

/// Where the loader reads a blueprint, its pins and its overlays from: the disk, or
/// files held in memory (a commit's tree, read without writing anything to disk).
public struct BlueprintFiles: Sendable {
    /// The bytes of a file (the first `maxBytes` + 1 are enough to refuse it); nil when there is none.
    let read: @Sendable (_ path: String, _ maxBytes: Int) -> Data?
    /// The names in a folder; nil when the folder does not exist.
    let list: @Sendable (String) -> [String]?

    /// The file system.
    public static let disk = BlueprintFiles(
        read: { path, maxBytes in
            // Stop after one byte more than allowed: a huge file (or a device) is refused unread.
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            do { return try handle.read(upToCount: maxBytes + 1) ?? Data() } catch { return nil }
        },
        list: { path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            return (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        })

    /// These files, with the one at `path` read as `contents` instead: a blueprint edited
    /// in memory is validated with its real pins and overlays before it is written.
    public func replacing(_ path: String, with contents: Data) -> BlueprintFiles {
        let base = self
        return BlueprintFiles(
            read: { candidate, maxBytes in candidate == path ? contents : base.read(candidate, maxBytes) },
            list: base.list)
    }

    /// Files in memory, by path (as the loader spells them: the blueprint's folder joined
    /// with a name). A folder exists when some file lies directly in it.
    public static func memory(_ files: [String: Data]) -> BlueprintFiles {
        BlueprintFiles(
            read: { path, _ in files[path] },
            list: { folder in
                let names = files.keys.filter { BlueprintLoader.directory(of: $0) == folder }
                    .map { ($0 as NSString).lastPathComponent }
                return names.isEmpty ? nil : names
            })
    }
}

/// Reads a blueprint, its environment overlays and its pins file, checks them, and
/// builds the validated model. Every problem in every file is reported at once.
public enum BlueprintLoader {
    /// The pins file that belongs to a blueprint: `<stem>.pins.yaml` beside it.
    public static func pinsPath(forBlueprint path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        return join(directory(of: path), "\(stem).pins.yaml")
    }

    /// The overlays folder: `overlays/` beside the blueprint, else `../overlays`.
    public static func defaultOverlaysDirectory(forBlueprint path: String, files: BlueprintFiles = .disk) -> String? {
        let dir = directory(of: path)
        for candidate in [join(dir, "overlays"), join(join(dir, ".."), "overlays")] where files.list(candidate) != nil {
            return candidate
        }
        return nil
    }

    /// Loads the blueprint at `path`, the pins file beside it (or `explicitPins`) and the
    /// overlays in `overlaysDirectory` (default: ``defaultOverlaysDirectory(forBlueprint:files:)``),
    /// all read through `files`.
    public static func load(
        path: String, overlaysDirectory: String? = nil, pinsPath explicitPins: String? = nil, files: BlueprintFiles = .disk,
        limits: YAMLLimits = .standard
    ) throws(DiagnosticsError) -> LoadedBlueprint {
        func read(_ path: String) throws(DiagnosticsError) -> String { try Self.read(path, files: files, limits: limits) }
        let blueprintText = try read(path)
        var inputs = [LoadedBlueprint.InputFile(role: .blueprint, path: path, contents: Data(blueprintText.utf8))]
        var diagnostics = DiagnosticCollector()

        let root: SourceNode
        do { root = try SourceNode.parse(blueprintText, file: path, limits: limits) } catch { throw error }
        diagnostics.append(contentsOf: SchemaChecker.check(root, against: BlueprintSchema.blueprint))

        // Pins
        let pinsPath = explicitPins ?? Self.pinsPath(forBlueprint: path)
        var pins = Pins(file: pinsPath)
        if let data = files.read(pinsPath, limits.maxFileBytes) {
            let text = try Self.text(data, path: pinsPath, limits: limits)
            inputs.append(.init(role: .pins, path: pinsPath, contents: Data(text.utf8)))
            do {
                let pinsRoot = try SourceNode.parse(text, file: pinsPath, limits: limits)
                diagnostics.append(contentsOf: SchemaChecker.check(pinsRoot, against: BlueprintSchema.pins))
                pins = BlueprintDecoder.pins(pinsRoot, file: pinsPath)
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }

        // Overlays
        var overlays: [String: SourceNode] = [:]
        if let overlaysDirectory = overlaysDirectory ?? defaultOverlaysDirectory(forBlueprint: path, files: files) {
            let names = (files.list(overlaysDirectory) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            let declared = root["environments"]?.items.compactMap { $0["name"]?.string } ?? []
            for name in names {
                let overlayPath = join(overlaysDirectory, name)
                let environment = String(name.prefix(upTo: name.lastIndex(of: ".")!))
                let text = try read(overlayPath)
                inputs.append(.init(role: .overlay, path: overlayPath, contents: Data(text.utf8)))
                guard declared.contains(environment) else {
                    diagnostics.error("overlay for unknown environment `\(environment)`", at: SourceLocation(file: overlayPath, line: 1, column: 1),
                                      hint: "overlays are named after an environment: " + Suggestion.hint(for: environment, in: declared, noun: "environment"))
                    continue
                }
                do {
                    let node = try SourceNode.parse(text, file: overlayPath, limits: limits)
                    if case .null = node.value { continue }
                    guard case .mapping = node.value else {
                        diagnostics.error("an overlay must be a mapping", at: node.location, hint: "write the keys to change, as in the blueprint")
                        continue
                    }
                    overlays[environment] = node
                } catch {
                    diagnostics.append(contentsOf: error.diagnostics)
                }
            }
        }

        // Decode and validate the base and every environment's view.
        let base = BlueprintDecoder.decode(root, pins: pins)
        var seen = Set(diagnostics.diagnostics)
        func add(_ found: [Diagnostic]) {
            for diagnostic in found where seen.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
        }
        // Semantic checks run even after structural errors (the decoder substitutes
        // neutral values), so one run reports every problem.
        let structurallyValid = !diagnostics.hasErrors
        add(BlueprintValidator.validate(base, crossFileChecks: structurallyValid))
        var views: [String: Blueprint] = [:]
        for (environment, overlay) in overlays.sorted(by: { $0.key < $1.key }) {
            let merged = OverlayMerge.merge(root, overlay)
            let structural = SchemaChecker.check(merged, against: BlueprintSchema.blueprint)
            add(structural)
            let view = BlueprintDecoder.decode(merged, pins: pins)
            add(BlueprintValidator.validate(view, crossFileChecks: structurallyValid && structural.isEmpty))
            views[environment] = view
        }
        try diagnostics.check()
        return LoadedBlueprint(
            base: base, views: views, inputs: inputs,
            blueprintName: URL(fileURLWithPath: path).lastPathComponent, pinsPath: pinsPath)
    }

    static func read(_ path: String, files: BlueprintFiles, limits: YAMLLimits) throws(DiagnosticsError) -> String {
        guard let data = files.read(path, limits.maxFileBytes) else {
            throw DiagnosticsError([.error("cannot read `\(path)`", at: SourceLocation(file: path, line: 0, column: 0),
                                           hint: "check the path; run `scaffold init` to start a blueprint")])
        }
        return try text(data, path: path, limits: limits)
    }

    static func text(_ data: Data, path: String, limits: YAMLLimits) throws(DiagnosticsError) -> String {
        try limits.checkSize(data.count, path: path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticsError([.error("`\(path)` is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        return text
    }

    static func directory(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory == "." ? name : (directory as NSString).appendingPathComponent(name)
    }
}
