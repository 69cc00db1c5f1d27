import Foundation

/// JSON shapes of the API (snake_case, as in `openapi.yaml`).
enum Wire {
    struct Token: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var jti: String
        var user: User
        var admin: Bool

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case jti, user, admin
        }
    }

    struct User: Encodable {
        var id: String
        var guestKey: String

        enum CodingKeys: String, CodingKey {
            case id
            case guestKey = "guest_key"
        }
    }

    struct Me: Encodable {
        var user: User
        var jti: String
        var expiresAt: Date
        var admin: Bool

        enum CodingKeys: String, CodingKey {
            case user, jti, admin
            case expiresAt = "expires_at"
        }
    }

    struct Organization: Encodable {
        var id: String
        var slug: String
        var displayName: String
        var homeRegion: String
        var status: String
        var failureReason: String?
        var role: String?
        var defaultProjectID: String?
        var createdAt: Date
        var updatedAt: Date

        init(_ organization: PlatformAPI.Organization, role: MemberRole?) {
            id = organization.id.lowercased
            slug = organization.slug
            displayName = organization.displayName
            homeRegion = organization.homeRegion
            status = organization.status.rawValue
            failureReason = organization.failureReason
            self.role = role?.rawValue
            defaultProjectID = organization.status == .committed ? DeterministicID.defaultProjectID(organizationID: organization.id).lowercased : nil
            createdAt = organization.createdAt
            updatedAt = organization.updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, slug, status, role
            case displayName = "display_name"
            case homeRegion = "home_region"
            case failureReason = "failure_reason"
            case defaultProjectID = "default_project_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    struct Project: Encodable {
        var id: String
        var orgID: String
        var slug: String
        var displayName: String
        var role: String?
        var createdAt: Date

        init(_ project: PlatformAPI.Project, role: MemberRole?) {
            id = project.id.lowercased
            orgID = project.orgID.lowercased
            slug = project.slug
            displayName = project.displayName
            self.role = role?.rawValue
            createdAt = project.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, slug, role
            case orgID = "org_id"
            case displayName = "display_name"
            case createdAt = "created_at"
        }
    }

    struct ProjectList: Encodable {
        var projects: [Project]
    }

    struct Member: Encodable {
        var userID: String
        var guestKey: String?
        var role: String

        init(_ member: ProjectMember) {
            userID = member.userID.lowercased
            guestKey = member.guestKey.isEmpty ? nil : member.guestKey
            role = member.role.rawValue
        }

        enum CodingKeys: String, CodingKey {
            case role
            case userID = "user_id"
            case guestKey = "guest_key"
        }
    }

    struct Regions: Encodable {
        var regions: [String]
        var restricted: Bool
    }

    struct MemberList: Encodable {
        var members: [Member]
    }

    struct Chat: Encodable {
        var id: String
        var projectID: String
        var slot: Int
        var openedAt: Date
        var closedAt: Date?

        init(_ chat: ChatSession) {
            id = chat.id.lowercased
            projectID = chat.projectID.lowercased
            slot = chat.slot
            openedAt = chat.openedAt
            closedAt = chat.closedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, slot
            case projectID = "project_id"
            case openedAt = "opened_at"
            case closedAt = "closed_at"
        }
    }

    struct OpenedChat: Encodable {
        var chat: Chat
        var closed: Chat?
    }

    struct ChatList: Encodable {
        var chats: [Chat]
    }

    struct Counters: Encodable {
        var projectID: String
        var counters: [String: Int64]

        init(projectID: UUID, counters: [CannedAction: Int64]) {
            self.projectID = projectID.lowercased
            self.counters = Dictionary(uniqueKeysWithValues: counters.map { ($0.key.rawValue, $0.value) })
        }

        enum CodingKeys: String, CodingKey {
            case counters
            case projectID = "project_id"
        }
    }

    struct ActionResult: Encodable {
        var action: String
        var count: Int64
    }

    struct Config: Encodable {
        var key: String
        var value: JSONValue
        var version: Int64
        var updatedAt: Date

        init(_ entry: ConfigEntry) {
            key = entry.key
            value = entry.value
            version = entry.version
            updatedAt = entry.updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case key, value, version
            case updatedAt = "updated_at"
        }
    }

    struct ConfigList: Encodable {
        var configs: [Config]
    }

    struct ConfigHistory: Encodable {
        struct Line: Encodable {
            var version: Int64
            var value: JSONValue
            var changedAt: Date

            enum CodingKeys: String, CodingKey {
                case version, value
                case changedAt = "changed_at"
            }
        }
        var key: String
        var history: [Line]
    }

    struct Health: Encodable {
        var status: String
        var checks: [String: String]?
    }
}
