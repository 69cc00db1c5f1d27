import BlueprintModel
import Templates

/// What a change is about, in blueprint terms: the key the cause is looked up by.
enum CauseHint: Sendable, Hashable {
    case connection(from: NetworkEndpoint?, to: NetworkEndpoint?)
    case policyMode
    case signing
    case namespace(String)
    case organizationAdmins(namespace: String)
    case quota(namespace: String, resource: String)
    case regionResidency(String)
    case regionPlacement(String)
    case backup
    case pin(service: String, region: String?)
    case service(String)
    case none
}

/// Maps a change back to the blueprint entity that caused it and that entity's
/// `location`/`fieldLocations` in the environment's view (overlay included), so a
/// finding points at the exact line of the right file.
struct CauseLocator {
    var subject: AuditSubject

    func locate(_ hint: CauseHint, environment: String?) -> SourcePosition? {
        let blueprint = environment.map { subject.loaded.view($0) } ?? subject.loaded.base
        guard let location = location(hint, blueprint, environment: environment) else { return nil }
        return subject.position(location)
    }

    func location(_ hint: CauseHint, _ blueprint: Blueprint, environment: String?) -> SourceLocation? {
        switch hint {
        case .connection(let from, let to):
            let unknown = Party(namespace: nil, labels: [:], name: "?")
            return connection(from.map(party) ?? unknown, to.map(party) ?? unknown, blueprint)
        case .policyMode:
            guard let environment, let entry = blueprint.environment(environment) else { return nil }
            return entry.fieldLocations["policyMode"] ?? entry.location
        case .signing:
            return blueprint.policy.location
        case .namespace(let namespace):
            return entity(Party(namespace: namespace, labels: [:], name: "*"), blueprint)
        case .organizationAdmins(let namespace):
            guard case .organization(let id) = Party(namespace: namespace, labels: [:], name: "*").entity,
                  let organization = blueprint.organization(id) else { return nil }
            return organization.fieldLocations["admins"] ?? organization.location
        case .quota(let namespace, let resource):
            guard case .organization(let id) = Party(namespace: namespace, labels: [:], name: "*").entity,
                  let organization = blueprint.organization(id) else { return nil }
            let field = resource.hasSuffix("cpu") ? "cpu" : resource.hasSuffix("memory") ? "memory" : "storage"
            return organization.fieldLocations["quotas.\(field)"] ?? organization.fieldLocations["quotas"] ?? organization.location
        case .regionResidency(let id):
            guard let region = blueprint.region(id) else { return nil }
            return region.fieldLocations["residency"] ?? region.location
        case .regionPlacement(let id):
            return blueprint.region(id)?.location
        case .backup:
            return blueprint.backup.map { $0.fieldLocations["store"] ?? $0.location }
        case .pin(let service, let region):
            guard let environment else { return nil }
            let pins = blueprint.pins
            if let region, let location = pins.locations[Pins.Key(service: service, environment: environment, region: region)] { return location }
            if let location = pins.locations[Pins.Key(service: service, environment: environment)] { return location }
            return blueprint.service(service)?.fieldLocations["image"]
        case .service(let name):
            return blueprint.service(name)?.location
        case .none:
            return nil
        }
    }

    /// A blueprint entity an endpoint stands for.
    enum Entity: Equatable {
        case service(String), dataStore(String), organization(String), ingress, prometheus, supabase, unknown
    }

    struct Party {
        var namespace: String?
        var labels: [String: String]
        var name: String

        var entity: Entity {
            guard let namespace else { return .unknown }
            if namespace == ClusterNamespaces.apps {
                if let service = labels[Labels.name] { return .service(service) }
                return name == "*" ? .unknown : .service(name)
            }
            if namespace.hasPrefix("data-") { return .dataStore(String(namespace.dropFirst("data-".count))) }
            if namespace.hasPrefix("tenant-") { return .organization(String(namespace.dropFirst("tenant-".count))) }
            if namespace == ClusterNamespaces.supabase { return .supabase }
            if namespace == PlatformPeer.ingressController.namespace { return .ingress }
            if namespace == PlatformPeer.prometheus.namespace, labels[Labels.name] == "prometheus" { return .prometheus }
            return .unknown
        }
    }

    func party(_ endpoint: NetworkEndpoint) -> Party {
        Party(namespace: endpoint.namespace, labels: endpoint.labels, name: endpoint.name)
    }

    func connection(_ from: Party, _ to: Party, _ blueprint: Blueprint) -> SourceLocation? {
        switch (from.entity, to.entity) {
        case (.service(let name), .service(let target)):
            if let location = dependency(name, .service(target), blueprint) { return location }
        case (.service(let name), .dataStore(let store)):
            if let location = dependency(name, .dataStore(store), blueprint) { return location }
        // PostgreSQL to the region's object storage outside the pod network: its backups.
        case (.dataStore(let store), .unknown) where blueprint.backup != nil && blueprint.dataStore(store)?.kind == .postgresql:
            return blueprint.backup.map { $0.fieldLocations["store"] ?? $0.location }
        case (.ingress, .supabase):
            guard let supabase = blueprint.components.supabase else { return nil }
            return supabase.fieldLocations["host"] ?? supabase.location
        case (.ingress, .service(let name)):
            guard let service = blueprint.service(name) else { return nil }
            return service.fieldLocations["expose"] ?? service.location
        case (.prometheus, .service(let name)):
            guard let service = blueprint.service(name) else { return nil }
            return service.fieldLocations["metrics"] ?? service.location
        default:
            break
        }
        return entity(from, blueprint) ?? entity(to, blueprint)
    }

    func dependency(_ service: String, _ target: Service.Dependency.Target, _ blueprint: Blueprint) -> SourceLocation? {
        blueprint.service(service)?.dependsOn.first { $0.target == target }?.location
    }

    func entity(_ party: Party, _ blueprint: Blueprint) -> SourceLocation? {
        switch party.entity {
        case .service(let name): blueprint.service(name)?.location
        case .dataStore(let name): blueprint.dataStore(name)?.location
        case .organization(let id): blueprint.organization(id)?.location
        case .supabase: blueprint.components.supabase?.location
        case .ingress, .prometheus, .unknown: nil
        }
    }
}
