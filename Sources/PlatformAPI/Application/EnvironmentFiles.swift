import Foundation

/// The `_FILE` convention (as the official PostgreSQL and Redis images have it): a variable
/// `NAME_FILE` names a file holding `NAME`'s value. The generated workloads mount their
/// Secret read-only and set only `NAME_FILE`, so no secret is in the process environment.
public enum EnvironmentFiles {
    /// Largest file read (a certificate bundle fits; anything larger is a mistake).
    public static let maximumSize = 64 * 1024

    /// A `_FILE` variable that cannot be used; names the variable and the path, never a value.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `environment` with `NAME_FILE`, for each of `names`, replaced by `NAME` and the file's
    /// content (one trailing line break removed). Setting both `NAME` and `NAME_FILE` is a
    /// problem, as is a file that cannot be read, is empty or is larger than ``maximumSize``.
    /// Other `_FILE` variables (`SSL_CERT_FILE`, …) are left alone: they are not ours.
    public static func resolve(_ environment: [String: String], names: [String]) -> (environment: [String: String], problems: [Problem]) {
        var resolved = environment
        var problems: [Problem] = []
        for name in names.sorted() {
            let variable = "\(name)_FILE"
            guard let path = environment[variable] else { continue }
            resolved[variable] = nil
            if let direct = environment[name], !direct.isEmpty {
                problems.append(Problem(description: "both \(name) and \(variable) are set; set one"))
                continue
            }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                problems.append(Problem(description: "\(variable): cannot read \(path)"))
                continue
            }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: maximumSize + 1)) ?? Data()
            guard data.count <= maximumSize else {
                problems.append(Problem(description: "\(variable): \(path) is larger than \(maximumSize) bytes"))
                continue
            }
            var value = String(decoding: data, as: UTF8.self)
            if value.hasSuffix("\r\n") { value.removeLast(2) } else if value.hasSuffix("\n") { value.removeLast() }
            guard !value.isEmpty else {
                problems.append(Problem(description: "\(variable): \(path) is empty"))
                continue
            }
            resolved[name] = value
        }
        return (resolved, problems)
    }
}
