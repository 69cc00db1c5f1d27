import Foundation
import HTTPTypes
import Hummingbird

/// `POST /orgs` (the saga) and `GET /orgs/{orgID}`.
struct OrganizationController {
    let runtime: PlatformRuntime

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        let limited = group.group().add(
            middleware: RateLimitMiddleware(
                limiter: runtime.rateLimiters.organizationCreation, key: .user, action: "org_creation", metrics: runtime.metrics))
        limited.post("/orgs") { request, context in try await create(request, context: context) }
        group.get("/orgs/:orgID") { _, context in try await show(context: context) }
    }

    /// Creates (or replays) an organization. Status: 201 COMMITTED, 409 FAILED (compensated),
    /// 202 still PENDING; the same on every repeat of the same key, marked `Idempotent-Replayed`.
    func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let body = try await JSONObject.read(request, allowed: ["operation_id", "slug", "display_name", "home_region"])
        let header = request.headers[Self.idempotencyKey]
        let field = try body.string("operation_id", required: false)
        if let header, let field, header != field {
            throw APIError.unprocessable("idempotency_key_mismatch", "`operation_id` and the Idempotency-Key header differ")
        }
        guard let key = field ?? header else {
            throw APIError.unprocessable("missing_operation_id", "an `operation_id` or an Idempotency-Key header is required")
        }
        let region = try body.string("home_region")!
        let allowed = runtime.configuration.allowedRegions
        if !allowed.isEmpty, !allowed.contains(region) {
            throw APIError.unprocessable("unknown_region", "`home_region` must be one of: \(allowed.joined(separator: ", "))")
        }
        let draft = OrganizationDraft(
            operationID: try Validation.operationID(key),
            slug: try Validation.slug(try body.string("slug")!),
            displayName: try Validation.displayName(try body.string("display_name")!),
            homeRegion: try Validation.slug(region)
        )
        let outcome = try await runtime.saga.create(draft, owner: guest.userID)
        let organization = outcome.organization
        let status: HTTPResponse.Status =
            switch organization.status {
            case .committed: .created
            case .failed: .conflict
            case .pending: .accepted
            }
        var headers: HTTPFields = [.location: "/orgs/\(organization.id.lowercased)"]
        if outcome.replayed { headers[Self.replayed] = "true" }
        let role: MemberRole? = organization.status == .committed ? .owner : nil
        return try JSONResponse.make(Wire.Organization(organization, role: role), status: status, headers: headers)
    }

    func show(context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        guard let (organization, role) = try await runtime.repositories.organizations.organization(id: orgID, visibleTo: guest.userID) else {
            throw APIError.notFound("organization")
        }
        return try JSONResponse.make(Wire.Organization(organization, role: role))
    }
}
