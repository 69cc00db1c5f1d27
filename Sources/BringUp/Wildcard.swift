/// `*` any run of characters (including none), `?` exactly one: the wildcards Argo CD's
/// globs (gobwas/glob without separators) and Kyverno's patterns (`pkg/utils/wildcard`) share.
public enum Wildcard {
    public static func matches(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern), v = Array(value)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (v.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == p.count { result = j == v.count }
            else if p[i] == "*" { result = match(i + 1, j) || (j < v.count && match(i, j + 1)) }
            else { result = j < v.count && (p[i] == "?" || p[i] == v[j]) && match(i + 1, j + 1) }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}
