import Templates

/// The generator's version, recorded in commit trailers and evidence bundles.
public enum ScaffoldVersion {
    public static let current = Generator.version
}
