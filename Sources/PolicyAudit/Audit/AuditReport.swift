/// The audit of one rendering: the access matrix, each invariant check with its
/// evidence, and what it was made from. Encoded as JSON it is the evidence bundle.
public struct AuditReport: Sendable, Codable, Equatable {
    public static let schemaID = "https://scaffold.dev/schemas/audit-evidence-v1.json"

    public struct Generator: Sendable, Codable, Equatable {
        public var name: String
        public var version: String
    }

    public struct Source: Sendable, Codable, Equatable {
        /// The blueprint file (relative to the repository for a revision).
        public var blueprint: String
        /// SHA-256 over the blueprint, its overlays and pins.
        public var contentHash: String
        /// The commit audited, when read from git.
        public var revision: String?
        /// The revision as asked for (`HEAD`, `main~1`), or the blueprint path.
        public var label: String
    }

    /// A control this evidence supports, and how.
    public struct Control: Sendable, Codable, Equatable {
        public var framework: String
        public var id: String
        public var title: String
        public var howThisSupportsIt: String
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var clusters: Int
        public var endpoints: Int
        public var connections: Int
        public var serviceConnections: Int
        public var networkPolicies: Int
        public var admissionPolicies: Int
        public var admissionRules: Int
        public var grants: Int
        public var quotaLimits: Int
        public var tables: Int
        public var tenantTables: Int
        public var rowLevelSecurityPolicies: Int
        public var images: Int
        public var checksPassed: Int
        public var checksFailed: Int
    }

    public enum Result: String, Sendable, Codable, Equatable {
        case pass, fail
    }

    /// One piece of evidence: a subject checked, its result, and where to look.
    public struct Evidence: Sendable, Codable, Equatable {
        public var subject: String
        public var result: Result
        public var detail: String
        /// A rendered file line (`ops/…:42`) or a blueprint line.
        public var location: String?

        public init(_ subject: String, _ result: Result, _ detail: String, location: String? = nil) {
            self.subject = subject
            self.result = result
            self.detail = detail
            self.location = location
        }
    }

    public struct Check: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        /// What the check establishes, in one sentence.
        public var statement: String
        public var result: Result
        public var evidence: [Evidence]

        public init(id: String, title: String, statement: String, evidence: [Evidence]) {
            self.id = id
            self.title = title
            self.statement = statement
            self.evidence = evidence
            self.result = evidence.contains { $0.result == .fail } ? .fail : .pass
        }

        public var failures: [Evidence] { evidence.filter { $0.result == .fail } }
    }

    public var schema: String
    public var generator: Generator
    public var source: Source
    public var controls: [Control]
    public var summary: Summary
    public var checks: [Check]
    public var matrix: AccessMatrix

    public var passed: Bool { checks.allSatisfy { $0.result == .pass } }
}

/// Who can reach and read what.
public struct AccessMatrix: Sendable, Codable, Equatable {
    /// One cluster's reachability: endpoints, and every allowed connection between them.
    public struct Network: Sendable, Codable, Equatable {
        public struct Endpoint: Sendable, Codable, Equatable {
            public var id: String
            public var kind: String
        }

        public struct Connection: Sendable, Codable, Equatable {
            /// How a connection compares with the blueprint's intent.
            public enum Intent: String, Sendable, Codable {
                /// The blueprint intends it.
                case intended
                /// It touches a workload namespace and the blueprint does not intend it.
                case unintended
                /// Between platform namespaces (or outside): open by design, not compared.
                case unchecked
            }

            public var from: String
            public var to: String
            public var ports: String
            public var intent: Intent
            public var egressPolicies: [String]
            public var ingressPolicies: [String]
        }

        public var cluster: String
        public var endpoints: [Endpoint]
        public var connections: [Connection]
    }

    /// Role × table × command for row-level security.
    public struct RowAccess: Sendable, Codable, Equatable {
        public enum Access: String, Sendable, Codable { case none, noRows = "no-rows", filtered, all }

        public struct Cell: Sendable, Codable, Equatable {
            public var role: String
            public var table: String
            public var command: String
            public var access: Access
            /// The privilege that allows the command (`UPDATE (display_name)`, `owner`).
            public var privilege: String?
            /// The policies that filter the rows.
            public var policies: [String]
            public var note: String
        }

        public var roles: [String]
        public var tables: [String]
        /// The tables holding tenants' rows.
        public var tenantTables: [String]
        public var commands: [String]
        public var cells: [Cell]

        public func cell(role: String, table: String, command: String) -> Cell? {
            cells.first { $0.role == role && $0.table == table && $0.command == command }
        }
    }

    /// One admission rule of one cluster.
    public struct Admission: Sendable, Codable, Equatable {
        public var cluster: String
        public var rule: String
        public var type: String
        public var action: String
        public var excludedNamespaces: [String]
    }

    /// One grant of one cluster.
    public struct Grant: Sendable, Codable, Equatable {
        public var cluster: String
        public var subject: String
        public var permission: String
        public var via: String
    }

    public var network: [Network]
    public var rowLevelSecurity: RowAccess
    public var admission: [Admission]
    public var grants: [Grant]
}
