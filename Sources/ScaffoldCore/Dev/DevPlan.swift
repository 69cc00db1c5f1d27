public import BlueprintModel

/// What `scaffold dev` runs for a blueprint, decided before anything starts: the local
/// environment, the regions organizations may choose, the event transport of
/// platform-api (Redis only when the blueprint chooses it) and the service's own
/// non-secret configuration.
public struct DevPlan: Sendable, Equatable {
    /// How platform-api's instances exchange events.
    public enum Transport: String, Sendable, Equatable {
        /// PostgreSQL `LISTEN/NOTIFY`: nothing else to start.
        case postgres
        /// Redis pub/sub: a throwaway `redis-server` is started too.
        case redis
    }

    /// The local environment (`dev-local`).
    public var environment: String
    /// Region ids running in that environment, sorted.
    public var regions: [String]
    /// The event transport.
    public var transport: Transport
    /// The service's port in the blueprint (the default local port).
    public var servicePort: Int
    /// The service's non-secret `config` entries, by name (secrets are generated locally).
    public var serviceConfig: [String: String]

    /// The name of the runtime service in a blueprint.
    public static let serviceName = "platform-api"

    /// Why a blueprint cannot be run locally.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Reads the plan from a loaded blueprint; `environment` defaults to the environment
    /// with a local cluster (else the one named `dev-local`).
    public static func make(from loaded: LoadedBlueprint, environment: String? = nil) throws(Problem) -> DevPlan {
        let base = loaded.base
        let name: String
        if let environment {
            name = environment
        } else if let local = base.environments.first(where: \.isLocal) ?? base.environment("dev-local") {
            name = local.name
        } else {
            throw Problem(description: "the blueprint has no local environment (one with `cluster:`, or named dev-local); pass --environment")
        }
        guard base.environment(name) != nil else {
            throw Problem(description: "unknown environment `\(name)`; the blueprint has: \(base.environments.map(\.name).joined(separator: ", "))")
        }
        let view = loaded.view(name)
        guard let service = view.service(serviceName) else {
            throw Problem(description: "the blueprint has no service named `\(serviceName)`")
        }
        var config: [String: String] = [:]
        for (key, value) in service.config { config[key] = value }
        let transport: Transport
        switch config["CONFIG_TRANSPORT"]?.lowercased() {
        case nil, "postgres": transport = .postgres
        case "redis": transport = .redis
        case let other?: throw Problem(description: "platform-api's CONFIG_TRANSPORT must be `postgres` or `redis`, not `\(other)`")
        }
        let regions = view.regions(running: name).map(\.id).sorted()
        return DevPlan(environment: name, regions: regions, transport: transport, servicePort: service.port, serviceConfig: config)
    }
}
