internal import CLibGit2

/// Collects paths reported by libgit2's checkout notifications.
private final class PathCollector {
    var paths: [String] = []
}

extension Repository {
    /// The empty tree (written on demand; it is a valid, content-addressed object).
    func emptyTree() throws -> Tree {
        try tree(TreeBuilder(repository: self, source: nil).write())
    }

    /// Files a SAFE checkout from `baseline` to `target` would have to overwrite
    /// (work tree or index differs from `baseline` on a path that changes, or an
    /// untracked file sits where a new file goes). Nothing is written.
    func checkoutConflicts(from baseline: Tree, to target: Tree) throws -> [String] {
        let collector = PathCollector()
        let code = try runCheckout(
            from: baseline, to: target,
            strategy: GIT_CHECKOUT_SAFE.rawValue | GIT_CHECKOUT_DRY_RUN.rawValue,
            collector: collector)
        if code == GIT_ECONFLICT.rawValue || !collector.paths.isEmpty {
            return collector.paths.sorted()
        }
        try check(code, "git_checkout_tree")
        return []
    }

    /// Brings the work tree and index from `baseline` to `target`, touching only
    /// paths that differ between the two; files nobody changed stay as they are.
    func checkout(from baseline: Tree, to target: Tree) throws {
        let code = try runCheckout(from: baseline, to: target, strategy: GIT_CHECKOUT_SAFE.rawValue, collector: nil)
        try check(code, "git_checkout_tree")
    }

    private func runCheckout(from baseline: Tree, to target: Tree, strategy: UInt32, collector: PathCollector?) throws -> Int32 {
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "git_checkout_options_init")
        options.checkout_strategy = strategy
        options.baseline = baseline.pointer
        if let collector {
            options.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT.rawValue
            options.notify_payload = Unmanaged.passUnretained(collector).toOpaque()
            options.notify_cb = { _, path, _, _, _, payload in
                guard let payload, let path else { return 0 }
                let collector = Unmanaged<PathCollector>.fromOpaque(payload).takeUnretainedValue()
                collector.paths.append(String(cString: path))
                return 0
            }
        }
        return withExtendedLifetime((collector, baseline)) {
            git_checkout_tree(pointer, target.pointer, &options)
        }
    }
}
