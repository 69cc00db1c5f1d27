import Foundation
import HTTPTypes
import Hummingbird

/// Projects and memberships under `/orgs/{orgID}/projects`.
struct ProjectController {
    let runtime: PlatformRuntime

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("/orgs/:orgID/projects") { request, context in try await create(request, context: context) }
        group.get("/orgs/:orgID/projects") { _, context in try await list(context: context) }
        group.get("/orgs/:orgID/projects/:projectID") { _, context in try await show(context: context) }
        group.get("/orgs/:orgID/projects/:projectID/members") { _, context in try await members(context: context) }
        group.put("/orgs/:orgID/projects/:projectID/members/:userID") { request, context in
            try await setMember(request, context: context)
        }
    }

    func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        let body = try await JSONObject.read(request, allowed: ["slug", "display_name"])
        let slug = try Validation.slug(try body.string("slug")!)
        let displayName = try Validation.displayName(try body.string("display_name")!)
        switch try await runtime.repositories.projects.create(
            orgID: orgID, actingUser: guest.userID, id: UUID(), slug: slug, displayName: displayName)
        {
        case .created(let project):
            return try JSONResponse.make(
                Wire.Project(project, role: .owner), status: .created,
                headers: [.location: "/orgs/\(orgID.lowercased)/projects/\(project.id.lowercased)"])
        case .slugTaken:
            throw APIError.conflict("slug_taken", "a project with this slug already exists in the organization")
        case .notAllowed(nil):
            throw APIError.notFound("organization")
        case .notAllowed:
            throw APIError.forbidden("only an owner of the organization may create projects")
        }
    }

    func list(context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        guard let projects = try await runtime.repositories.projects.projects(orgID: orgID, actingUser: guest.userID) else {
            throw APIError.notFound("organization")
        }
        return try JSONResponse.make(Wire.ProjectList(projects: projects.map { Wire.Project($0, role: nil) }))
    }

    func show(context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        let projectID = try context.parameters.id("projectID")
        guard let (project, role) = try await runtime.repositories.projects.project(orgID: orgID, id: projectID, actingUser: guest.userID) else {
            throw APIError.notFound("project")
        }
        return try JSONResponse.make(Wire.Project(project, role: role))
    }

    func members(context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        let projectID = try context.parameters.id("projectID")
        guard let members = try await runtime.repositories.projects.members(orgID: orgID, projectID: projectID, actingUser: guest.userID) else {
            throw APIError.notFound("project")
        }
        return try JSONResponse.make(Wire.MemberList(members: members.map(Wire.Member.init)))
    }

    /// Adds a guest (by user id, which the guest reads from `GET /me` and shares) to a project.
    func setMember(_ request: Request, context: APIRequestContext) async throws -> Response {
        let guest = try context.requireGuest()
        let orgID = try context.parameters.id("orgID")
        let projectID = try context.parameters.id("projectID")
        let userID = try context.parameters.id("userID")
        let body = try await JSONObject.read(request, allowed: ["role"])
        guard let role = MemberRole(rawValue: try body.string("role")!) else {
            throw APIError.unprocessable("invalid_role", "`role` must be `owner` or `member`")
        }
        switch try await runtime.repositories.projects.setMember(
            orgID: orgID, projectID: projectID, actingUser: guest.userID, userID: userID, role: role)
        {
        case .saved(let member):
            return try JSONResponse.make(Wire.Member(member))
        case .notAllowed(nil):
            throw APIError.notFound("project")
        case .notAllowed:
            throw APIError.forbidden("only an owner of the project may change its members")
        case .unknownUser:
            throw APIError.notFound("user")
        }
    }
}
