import Crypto
import Foundation

/// The repository a generated file belongs to.
public enum RepositoryRole: String, Sendable, CaseIterable, Codable, Comparable {
    /// GitOps manifests (Kustomize, Argo CD, policies, migrations).
    case ops
    /// Infrastructure code (Terraform).
    case infra

    public static func < (lhs: RepositoryRole, rhs: RepositoryRole) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One file of generated output.
public struct RenderedFile: Sendable, Equatable {
    public var repository: RepositoryRole
    /// The path inside its repository, with forward slashes.
    public var path: String
    public var contents: String

    public init(_ repository: RepositoryRole, _ path: String, _ contents: String) {
        self.repository = repository
        self.path = path
        self.contents = contents
    }

    /// The path inside a folder output: `<repository>/<path>`.
    public var outputPath: String { "\(repository.rawValue)/\(path)" }
}

/// Everything a generation produces: a pure value. Writers (folder or git) apply it.
public struct OutputPlan: Sendable, Equatable {
    /// Files sorted by repository, then path.
    public private(set) var files: [RenderedFile]

    public init(files: [RenderedFile]) {
        self.files = files.sorted { ($0.repository, $0.path) < ($1.repository, $1.path) }
    }

    public func files(in repository: RepositoryRole) -> [RenderedFile] {
        files.filter { $0.repository == repository }
    }

    public var totalBytes: Int { files.reduce(0) { $0 + $1.contents.utf8.count } }

    /// Paths that appear twice (a translator bug); checked before writing.
    public var duplicatePaths: [String] {
        var seen = Set<String>(), duplicates: [String] = []
        for file in files where !seen.insert(file.outputPath).inserted { duplicates.append(file.outputPath) }
        return duplicates
    }
}

/// SHA-256 as lowercase hex.
public enum ContentHash {
    public static func sha256(_ data: some DataProtocol) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in SHA256.hash(data: data) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
}
