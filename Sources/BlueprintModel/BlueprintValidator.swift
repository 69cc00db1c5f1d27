/// Semantic checks on a decoded blueprint: references resolve, ranges make sense,
/// residency holds, every service has a digest for every place it runs.
/// All problems are reported in one pass.
public enum BlueprintValidator {
    /// - Parameter crossFileChecks: check the pins file against the blueprint. Off when
    ///   the blueprint had structural errors: its model is then incomplete and every
    ///   pin would look orphaned.
    public static func validate(_ blueprint: Blueprint, crossFileChecks: Bool = true) -> [Diagnostic] {
        var d = DiagnosticCollector()
        let environmentNames = blueprint.environments.map(\.name)
        let regionIDs = blueprint.regions.map(\.id)
        let serviceNames = blueprint.services.map(\.name)
        let storeNames = blueprint.dataStores.map(\.name)

        func location(_ fields: FieldLocations, _ key: String, _ fallback: SourceLocation) -> SourceLocation {
            fields[key] ?? fallback
        }

        // Regions
        for region in blueprint.regions {
            for (index, environment) in region.environments.enumerated() where !environmentNames.contains(environment) {
                d.error("region `\(region.id)` runs unknown environment `\(environment)`",
                        at: location(region.fieldLocations, "environments[\(index)]", region.location),
                        hint: Suggestion.hint(for: environment, in: environmentNames, noun: "environment"))
            }
            checkLocation(region, into: &d)
            if !region.apiAuthorizedNetworks.isEmpty, !["azure", "gcp"].contains(region.cloud) {
                d.error("region `\(region.id)` on \(region.cloud): `apiAuthorizedNetworks` is supported on azure and gcp only",
                        at: location(region.fieldLocations, "apiAuthorizedNetworks", region.location),
                        hint: "remove it, and restrict the API server with the cloud's own firewall")
            }
            checkBackupEndpoint(region, blueprint, into: &d)
        }
        if let promotion = blueprint.promotion {
            var seen: Set<String> = []
            for (name, at) in zip(promotion.order, promotion.locations) {
                if !environmentNames.contains(name) {
                    d.error("promotion names unknown environment `\(name)`", at: at,
                            hint: Suggestion.hint(for: name, in: environmentNames, noun: "environment"))
                } else if !seen.insert(name).inserted {
                    d.error("promotion lists environment `\(name)` twice", at: at,
                            hint: "each environment has one place in the order; keep the first")
                }
            }
        }
        if let ci = blueprint.ci {
            let parts = ci.repository.split(separator: "/", omittingEmptySubsequences: false)
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
            if parts.count != 2 || parts.contains(where: { $0.isEmpty || !$0.allSatisfy(allowed.contains) }) {
                d.error("ci.repository `\(ci.repository)` is not a GitHub `owner/name`",
                        at: location(ci.fieldLocations, "repository", ci.location),
                        hint: "name the blueprint repository as GitHub does, e.g. `galaxy-health/galaxy-blueprint`")
            }
            if ci.folder.hasPrefix("/") || ci.folder.split(separator: "/").contains("..") || ci.folder.isEmpty {
                d.error("ci.folder `\(ci.folder)` must be a relative path inside the repository",
                        at: location(ci.fieldLocations, "folder", ci.location), hint: "e.g. `.github/workflows`")
            }
        }
        for environment in blueprint.environments where !blueprint.regions.contains(where: { $0.environments.contains(environment.name) }) {
            d.error("environment `\(environment.name)` runs in no region", at: environment.location,
                    hint: "list it under `environments` of at least one region")
        }
        for environment in blueprint.environments {
            if let range = environment.replicas, range.min > range.max {
                d.error("environment `\(environment.name)`: replicas.min (\(range.min)) is greater than replicas.max (\(range.max))",
                        at: location(environment.fieldLocations, "replicas.min", environment.location))
            }
            if let resources = environment.resources {
                checkResources(resources, fields: environment.fieldLocations, owner: "environment `\(environment.name)`", fallback: environment.location, into: &d)
            }
        }

        // Data stores
        for store in blueprint.dataStores {
            for (index, region) in store.regions.enumerated() where !regionIDs.contains(region) {
                d.error("data store `\(store.name)` is placed in unknown region `\(region)`",
                        at: location(store.fieldLocations, "regions[\(index)]", store.location),
                        hint: Suggestion.hint(for: region, in: regionIDs, noun: "region"))
            }
            if store.tls, store.kind != .redis {
                d.error("data store `\(store.name)` is \(store.kind.rawValue); `tls` applies to redis stores only",
                        at: location(store.fieldLocations, "tls", store.location),
                        hint: store.kind == .postgresql ? "remove `tls`: PostgreSQL clients always connect with verify-full" : "remove `tls`")
            }
            if store.kind != .minio, !store.buckets.isEmpty {
                d.error("data store `\(store.name)` is \(store.kind.rawValue); only minio stores have buckets",
                        at: location(store.fieldLocations, "buckets", store.location), hint: "remove `buckets`")
            }
        }

        // Organizations
        for org in blueprint.organizations {
            if org.id.count > 56 {
                d.error("organization id `\(org.id)` is too long for a namespace name (`tenant-\(org.id)`)",
                        at: location(org.fieldLocations, "id", org.location), hint: "use at most 56 characters")
            }
            guard let home = blueprint.region(org.homeRegion) else {
                d.error("organization `\(org.id)` has unknown home region `\(org.homeRegion)`",
                        at: location(org.fieldLocations, "homeRegion", org.location),
                        hint: Suggestion.hint(for: org.homeRegion, in: regionIDs, noun: "region"))
                continue
            }
            for placement in org.data {
                guard let store = blueprint.dataStore(placement.store) else {
                    d.error("organization `\(org.id)` keeps data in unknown data store `\(placement.store)`", at: placement.location,
                            hint: Suggestion.hint(for: placement.store, in: storeNames, noun: "data store"))
                    continue
                }
                guard regionIDs.contains(placement.region) else {
                    d.error("organization `\(org.id)` keeps data in unknown region `\(placement.region)`", at: placement.location,
                            hint: Suggestion.hint(for: placement.region, in: regionIDs, noun: "region"))
                    continue
                }
                if !store.regions.contains(placement.region) {
                    d.error("data store `\(store.name)` is not deployed in region `\(placement.region)`", at: placement.location,
                            hint: "add `\(placement.region)` to the store's `regions`, or keep the data where the store runs")
                }
                if home.residency == .strict, placement.region != home.id {
                    d.error("residency: organization `\(org.id)` has strict home region `\(home.id)` but keeps data in `\(placement.region)`",
                            at: placement.location, hint: "strict residency keeps a tenant's data in its home region; use `region: \(home.id)`")
                }
            }
            if !regionIDs.contains(org.backupRegion) {
                d.error("organization `\(org.id)` backs up to unknown region `\(org.backupRegion)`",
                        at: location(org.fieldLocations, "backup.region", org.location),
                        hint: Suggestion.hint(for: org.backupRegion, in: regionIDs, noun: "region"))
            } else if home.residency == .strict, org.backupRegion != home.id {
                d.error("residency: organization `\(org.id)` has strict home region `\(home.id)` but backs up to `\(org.backupRegion)`",
                        at: location(org.fieldLocations, "backup.region", org.location),
                        hint: "strict residency keeps backups in the home region; use `region: \(home.id)`")
            }
        }

        // Services
        var hosts: [String: String] = [:]
        for service in blueprint.services {
            if service.replicas.min > service.replicas.max {
                d.error("service `\(service.name)`: replicas.min (\(service.replicas.min)) is greater than replicas.max (\(service.replicas.max))",
                        at: location(service.fieldLocations, "replicas.min", service.location))
            }
            checkResources(service.resources, fields: service.fieldLocations, owner: "service `\(service.name)`", fallback: service.location, into: &d)
            for dependency in service.dependsOn {
                switch dependency.target {
                case .service(let name):
                    if name == service.name {
                        d.error("service `\(service.name)` depends on itself", at: dependency.location, hint: "remove this dependency")
                    } else if blueprint.service(name) == nil {
                        d.error("service `\(service.name)` depends on unknown service `\(name)`", at: dependency.location,
                                hint: Suggestion.hint(for: name, in: serviceNames, noun: "service"))
                    }
                case .dataStore(let name):
                    guard let store = blueprint.dataStore(name) else {
                        d.error("service `\(service.name)` depends on unknown data store `\(name)`", at: dependency.location,
                                hint: Suggestion.hint(for: name, in: storeNames, noun: "data store"))
                        continue
                    }
                    let missing = regionIDs.filter { !store.regions.contains($0) }
                    if !missing.isEmpty {
                        d.error("service `\(service.name)` depends on data store `\(name)`, which is not deployed in region\(missing.count == 1 ? "" : "s") \(missing.map { "`\($0)`" }.joined(separator: ", "))",
                                at: dependency.location, hint: "services run in every region: deploy the store there too")
                    }
                    if let port = dependency.port, port != store.port {
                        d.error("data store `\(name)` (\(store.kind.rawValue)) listens on \(store.port), not \(port)", at: dependency.location,
                                hint: "remove `port` or use \(store.port)")
                    }
                    if store.kind == .minio, blueprint.applicationBuckets(of: store).isEmpty {
                        d.error("service `\(service.name)` depends on data store `\(name)`, which has no bucket for applications", at: dependency.location,
                                hint: store.buckets.isEmpty ? "add `buckets` to the store"
                                    : "add a bucket to its `buckets`: the backup bucket is for the backup writers only")
                    }
                }
            }
            let generated = Dictionary(blueprint.storeCredentials(of: service).map { ($0.name, $0) }) { first, _ in first }
            for secret in service.secrets {
                guard let credential = generated[secret.name] else { continue }
                d.error("service `\(service.name)`: secret `\(secret.name)` is the credential scaffold generates for its dependency on data store `\(credential.store)`",
                        at: secret.location ?? location(service.fieldLocations, "secrets", service.location),
                        hint: "remove this entry: the store's server is configured with the same generated value (`scaffold secrets` lists its key)")
            }
            checkObjectives(service, into: &d)
            if let expose = service.expose {
                if let other = hosts[expose.host] {
                    d.error("service `\(service.name)` is exposed on host `\(expose.host)`, already used by `\(other)`",
                            at: location(service.fieldLocations, "expose.host", service.location), hint: "choose another host label")
                } else {
                    hosts[expose.host] = service.name
                }
            }
        }

        // Backup
        if let backup = blueprint.backup {
            if let store = blueprint.dataStore(backup.store) {
                if store.kind != .minio {
                    d.error("backups go to an object store, but `\(store.name)` is \(store.kind.rawValue)",
                            at: location(backup.fieldLocations, "store", backup.location), hint: "name a minio data store")
                } else if !store.buckets.contains(backup.bucket) {
                    d.error("bucket `\(backup.bucket)` is not declared in data store `\(store.name)`",
                            at: location(backup.fieldLocations, "bucket", backup.location),
                            hint: Suggestion.hint(for: backup.bucket, in: store.buckets, noun: "bucket"))
                }
                let missing = regionIDs.filter { !store.regions.contains($0) }
                if !missing.isEmpty {
                    d.error("backups stay in each region's own store, but `\(store.name)` is not deployed in \(missing.map { "`\($0)`" }.joined(separator: ", "))",
                            at: location(backup.fieldLocations, "store", backup.location), hint: "deploy the store in every region")
                }
            } else {
                d.error("backup store `\(backup.store)` is not a declared data store",
                        at: location(backup.fieldLocations, "store", backup.location),
                        hint: Suggestion.hint(for: backup.store, in: storeNames, noun: "data store"))
            }
            for (index, copy) in backup.offRegionCopies.enumerated() {
                if !regionIDs.contains(copy) {
                    d.error("backup copies go to unknown region `\(copy)`", at: location(backup.fieldLocations, "offRegionCopies[\(index)]", backup.location),
                            hint: Suggestion.hint(for: copy, in: regionIDs, noun: "region"))
                }
            }
            if !backup.offRegionCopies.isEmpty {
                for region in blueprint.regions where region.residency == .strict {
                    d.error("residency: region `\(region.id)` is strict, so its backups cannot be copied to \(backup.offRegionCopies.map { "`\($0)`" }.joined(separator: ", "))",
                            at: location(backup.fieldLocations, "offRegionCopies", backup.location),
                            hint: "remove `offRegionCopies` or make the region's residency `relaxed`")
                }
            }
        }

        if let alerts = blueprint.alerts { checkAlerting(alerts, environments: environmentNames, into: &d) }
        checkComponents(blueprint, into: &d)

        // Policy
        if case .keyless(_, let subject) = blueprint.policy.signing, subject.isEmpty {
            d.error("keyless signing needs a certificate `subject`", at: blueprint.policy.location,
                    hint: "add `subject:` (e.g. `https://github.com/ORG/*`)")
        }

        guard crossFileChecks else { return d.diagnostics }

        // Pins
        let pins = blueprint.pins
        let pinFile = SourceLocation(file: pins.file, line: 1, column: 1)
        for key in pins.digests.keys.sorted() {
            let at = pins.locations[key] ?? pinFile
            if !serviceNames.contains(key.service) {
                d.error("pin for unknown service `\(key.service)`", at: at, hint: Suggestion.hint(for: key.service, in: serviceNames, noun: "service"))
            } else if !environmentNames.contains(key.environment) {
                d.error("pin for unknown environment `\(key.environment)`", at: at,
                        hint: Suggestion.hint(for: key.environment, in: environmentNames, noun: "environment"))
            } else if let region = key.region, !(blueprint.region(region)?.environments.contains(key.environment) ?? false) {
                d.error("pin for `\(key.environment)/\(region)`, but environment `\(key.environment)` does not run in region `\(region)`", at: at,
                        hint: Suggestion.hint(for: region, in: blueprint.regions(running: key.environment).map(\.id), noun: "region"))
            }
        }
        for service in blueprint.services {
            for environment in blueprint.environments {
                let missing = blueprint.regions(running: environment.name).filter {
                    pins.digest(service: service.name, environment: environment.name, region: $0.id) == nil
                }
                if !missing.isEmpty {
                    d.error("service `\(service.name)` has no image digest for environment `\(environment.name)`",
                            at: service.location,
                            hint: "pin one with `scaffold bump \(service.name) --env \(environment.name) --digest sha256:…` (it writes \(pins.file.isEmpty ? "the pins file" : pins.file))")
                }
            }
        }
        return d.diagnostics
    }

    /// An objective is computed from metrics the service exports: `slo` needs `metrics`,
    /// availability its `requests` counter, latency its `duration` histogram.
    static func checkObjectives(_ service: Service, into d: inout DiagnosticCollector) {
        guard let slo = service.slo else { return }
        let fields = slo.fieldLocations
        guard service.declaresMetrics else {
            d.error("service `\(service.name)` has an `slo` but declares no `metrics`", at: slo.location,
                    hint: "add `metrics:` with the `requests` counter and `duration` histogram it exports: objectives are computed from them")
            return
        }
        if let days = windowDays(slo.window), days < 7 {
            d.error("service `\(service.name)`: SLO window `\(slo.window)` is shorter than 7 days",
                    at: fields["window"] ?? slo.location,
                    hint: "the burn-rate alerts watch up to 3 days of a window of weeks; use e.g. `28d` or `30d`")
        }
        if slo.availability == nil, slo.latency == nil {
            d.error("service `\(service.name)`: `slo` sets neither `availability` nor `latency`", at: slo.location,
                    hint: "add `availability: 99.9%` or `latency: {threshold: 200ms, objective: 99%}`, or remove `slo`")
        }
        if slo.availability != nil, service.requestMetrics.requests == nil {
            d.error("service `\(service.name)`: `slo.availability` needs the requests counter the service exports",
                    at: fields["availability"] ?? slo.location,
                    hint: "add `requests: <counter name>` (labelled with the HTTP status) under `metrics`")
        }
        if let latency = slo.latency {
            if service.requestMetrics.duration == nil {
                d.error("service `\(service.name)`: `slo.latency` needs the request-duration histogram the service exports",
                        at: fields["latency"] ?? slo.location,
                        hint: "add `duration: <histogram name>` (seconds, without `_bucket`) under `metrics`")
            }
            if latency.thresholdSeconds == nil {
                d.error("service `\(service.name)`: latency threshold `\(latency.threshold)` is not a positive duration",
                        at: fields["latency.threshold"] ?? slo.location, hint: "use a bucket bound of the histogram, e.g. `200ms`")
            }
        }
    }

    /// A duration (`30d`, `720h`) in whole days, rounded down.
    static func windowDays(_ duration: String) -> Int? {
        guard let unit = duration.last, let number = Int(duration.dropLast()) else { return nil }
        switch unit {
        case "d": return number
        case "h": return number / 24
        case "m": return number / 1440
        case "s": return number / 86400
        default: return nil
        }
    }

    /// Routes name declared receivers and environments; an e-mail receiver has its user
    /// and password together.
    static func checkAlerting(_ alerts: Alerting, environments: [String], into d: inout DiagnosticCollector) {
        let receiverNames = alerts.receivers.map(\.name)
        for route in alerts.routes {
            if alerts.receiver(route.receiver) == nil {
                d.error("alert route names unknown receiver `\(route.receiver)`", at: route.fieldLocations["receiver"] ?? route.location,
                        hint: Suggestion.hint(for: route.receiver, in: receiverNames, noun: "receiver"))
            }
            if let environment = route.environment, !environments.contains(environment) {
                d.error("alert route matches unknown environment `\(environment)`", at: route.fieldLocations["environment"] ?? route.location,
                        hint: Suggestion.hint(for: environment, in: environments, noun: "environment"))
            }
        }
        for receiver in alerts.receivers {
            if case .email(_, _, _, let username) = receiver.channel, (username == nil) != (receiver.secret == nil) {
                d.error("receiver `\(receiver.name)`: SMTP `username` and `password` go together", at: receiver.fieldLocations["email"] ?? receiver.location,
                        hint: "set both (the password is a secret-store key), or neither for a server without authentication")
            }
        }
    }

    /// Backups leave the cluster for object storage in the region: a cloud region's
    /// Terraform stack creates the bucket; an on-premises region names the store
    /// (`backupEndpoint`) when any of its clusters that is not local takes backups.
    static func checkBackupEndpoint(_ region: Region, _ blueprint: Blueprint, into d: inout DiagnosticCollector) {
        let at = region.fieldLocations["backupEndpoint"] ?? region.location
        if region.backupEndpoint != nil, region.cloud != "onprem" {
            d.error("region `\(region.id)` on \(region.cloud): `backupEndpoint` is for on-premises regions only", at: at,
                    hint: "remove it: \(region.cloud) regions back up to the bucket their Terraform stack creates")
        }
        guard region.cloud == "onprem", region.backupEndpoint == nil, blueprint.backup != nil else { return }
        let remote = region.environments.filter { name in blueprint.environment(name).map { !$0.isLocal } ?? false }
        guard !remote.isEmpty else { return }
        d.error("region `\(region.id)` is on premises and takes backups (\(remote.map { "`\($0)`" }.joined(separator: ", "))), but names no `backupEndpoint`",
                at: region.location,
                hint: "add `backupEndpoint: https://…`: an S3-compatible store in \(region.country), outside the clusters, so backups survive losing one")
    }

    /// A cloud region's `location` must be one of its cloud's locations
    /// (``CloudLocations``), and under strict residency lie in the region's country.
    /// Relaxed residency allows any location (the validator has no warnings); `onprem`
    /// and `k3d` locations are free.
    static func checkLocation(_ region: Region, into d: inout DiagnosticCollector) {
        guard let table = CloudLocations.locations(of: region.cloud) else { return }
        let inCountry = CloudLocations.locations(of: region.cloud, in: region.country)
        func list(_ ids: [String]) -> String { ids.map { "`\($0)`" }.joined(separator: ", ") }
        /// What to use instead: the cloud's locations in the country, else the other options.
        func useInstead() -> String {
            if !inCountry.isEmpty { return "\(region.cloud)'s locations in \(region.country): \(list(inCountry))" }
            let others = CloudLocations.alternatives(to: region.cloud, in: region.country)
                .map { "\($0.cloud) has \(list($0.locations))" }
            return "none: \(region.cloud) has no location in \(region.country); use `cloud: onprem`"
                + (others.isEmpty ? "" : " (or another cloud: \(others.joined(separator: "; ")))")
        }
        guard let location = region.cloudLocation else {
            d.error("region `\(region.id)` on \(region.cloud) needs `location`", at: region.location,
                    hint: inCountry.isEmpty ? "add the cloud's region name; " + useInstead() : "add `location:`; " + useInstead())
            return
        }
        let at = region.fieldLocations["location"] ?? region.location
        guard let country = CloudLocations.country(of: location, on: region.cloud) else {
            let hint: String
            if let match = Suggestion.closest(to: location, in: table.map(\.id)) {
                hint = "did you mean `\(match)`?"
            } else if !inCountry.isEmpty {
                hint = useInstead()
            } else {
                hint = "\(region.cloud)'s locations: \(list(table.map(\.id)))"
            }
            d.error("region `\(region.id)`: \(region.cloud) has no location `\(location)`", at: at, hint: hint)
            return
        }
        // A malformed country is the schema's error already.
        let validCountry = region.country.count == 2 && region.country.allSatisfy { $0.isASCII && $0.isUppercase }
        if region.residency == .strict, validCountry, country != region.country {
            d.error("residency: region `\(region.id)` is strict in \(region.country), but \(region.cloud) location `\(location)` is in \(country)",
                    at: at, hint: useInstead())
        }
    }

    static func checkResources(_ resources: Resources, fields: FieldLocations, owner: String, fallback: SourceLocation, into d: inout DiagnosticCollector) {
        if resources.requests.cpu > resources.limits.cpu {
            d.error("\(owner): CPU request \(resources.requests.cpu) exceeds its limit \(resources.limits.cpu)",
                    at: fields["resources.requests.cpu"] ?? fallback, hint: "requests must not exceed limits")
        }
        if resources.requests.memory > resources.limits.memory {
            d.error("\(owner): memory request \(resources.requests.memory) exceeds its limit \(resources.limits.memory)",
                    at: fields["resources.requests.memory"] ?? fallback, hint: "requests must not exceed limits")
        }
    }
}
