import Renderer

/// A commit message scaffold writes: a summary line, an optional body, the
/// changed files, and git trailers (`Key: value`, last paragraph) that tools
/// can read with `git interpret-trailers --parse`.
struct CommitMessage: Sendable {
    var summary: String
    var body: [String] = []
    var added: [String] = []
    var changed: [String] = []
    var removed: [String] = []
    var trailers: [(String, String)] = []

    init(summary: String, body: [String] = [], added: [String] = [], changed: [String] = [], removed: [String] = [],
         trailers: [(String, String)] = []) {
        self.summary = summary
        self.body = body
        self.added = added
        self.changed = changed
        self.removed = removed
        self.trailers = trailers
    }

    init(summary: String, body: [String] = [], changes: ChangeSet, trailers: [(String, String)] = []) {
        self.init(summary: summary, body: body, added: changes.added, changed: changes.changed, removed: changes.removed,
                  trailers: trailers)
    }

    /// At most this many paths are listed per kind; the trailers always carry the counts.
    static let listedPaths = 50

    var text: String {
        var out = summary + "\n"
        if !body.isEmpty { out += "\n" + body.joined(separator: "\n") + "\n" }
        for (title, paths) in [("Added", added), ("Changed", changed), ("Removed", removed)] where !paths.isEmpty {
            out += "\n\(title):\n"
            for path in paths.prefix(Self.listedPaths) { out += "  \(path)\n" }
            if paths.count > Self.listedPaths { out += "  … and \(paths.count - Self.listedPaths) more\n" }
        }
        out += "\n"
        for (key, value) in trailers { out += "\(key): \(value)\n" }
        return out
    }

    /// `3 added, 1 changed, 0 removed`.
    static func counts(_ changes: ChangeSet) -> String {
        "\(changes.added.count) added, \(changes.changed.count) changed, \(changes.removed.count) removed"
    }
}
