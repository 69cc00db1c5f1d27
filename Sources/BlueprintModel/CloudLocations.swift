/// Every public location of the clouds a region can run on, with the country it
/// lies in (ISO 3166-1 alpha-2): what the validator checks `location` against, and
/// what `scaffold region add` picks a default location from.
///
/// Taken from the providers' documented lists as they stood in 2025 (the table was
/// written on 2026-12-07 on a machine without internet access, so not re-checked
/// then; a location opened since is an error here until it is added):
/// - DigitalOcean: "Regional Availability" (docs.digitalocean.com/platform/regional-availability/),
///   the datacenter slugs `doctl compute region list` prints;
/// - Azure: "Azure geographies" and `az account list-locations` (physical regions only,
///   restricted-access ones included: their ids are valid and lie in their country);
/// - Google Cloud: "Geography and regions" (cloud.google.com/about/locations), regions only
///   (zones and multi-regions are not locations a region names).
///
/// `onprem` has no table: its location is the operator's site name and its country is
/// what the blueprint says. `k3d` clusters run on the operator's machine.
/// Within a country, locations are listed in the order `region add` prefers them.
public enum CloudLocations {
    /// A cloud location and its country.
    public struct Location: Sendable, Equatable {
        public var id: String
        public var country: String
    }

    /// The clouds with a location table.
    public static let clouds = ["azure", "digitalocean", "gcp"]

    /// The locations of `cloud`, in table order; nil for a cloud without a table (`onprem`, `k3d`).
    public static func locations(of cloud: String) -> [Location]? {
        switch cloud {
        case "digitalocean": digitalocean
        case "azure": azure
        case "gcp": gcp
        default: nil
        }
    }

    /// The country of `location` on `cloud`; nil when the cloud has no table or the location is not in it.
    public static func country(of location: String, on cloud: String) -> String? {
        locations(of: cloud)?.first { $0.id == location }?.country
    }

    /// The locations of `cloud` in `country`, in preference order (empty when there are none).
    public static func locations(of cloud: String, in country: String) -> [String] {
        (locations(of: cloud) ?? []).filter { $0.country == country }.map(\.id)
    }

    /// The other clouds' locations in `country`, by cloud: what a hint offers when
    /// `cloud` has none there.
    public static func alternatives(to cloud: String, in country: String) -> [(cloud: String, locations: [String])] {
        clouds.filter { $0 != cloud }.compactMap { other in
            let found = locations(of: other, in: country)
            return found.isEmpty ? nil : (other, found)
        }
    }

    private static func table(_ rows: [(String, [String])]) -> [Location] {
        rows.flatMap { country, ids in ids.map { Location(id: $0, country: country) } }
    }

    static let digitalocean = table([
        ("US", ["nyc1", "nyc2", "nyc3", "sfo1", "sfo2", "sfo3", "atl1"]),
        ("NL", ["ams3", "ams2"]),
        ("GB", ["lon1"]),
        ("DE", ["fra1"]),
        ("CA", ["tor1"]),
        ("IN", ["blr1"]),
        ("SG", ["sgp1"]),
        ("AU", ["syd1"]),
    ])

    static let azure = table([
        ("US", ["eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus", "westus", "westus2", "westus3"]),
        ("CA", ["canadacentral", "canadaeast"]),
        ("BR", ["brazilsouth", "brazilsoutheast"]),
        ("MX", ["mexicocentral"]),
        ("CL", ["chilecentral"]),
        ("IE", ["northeurope"]),
        ("NL", ["westeurope"]),
        ("GB", ["uksouth", "ukwest"]),
        ("FR", ["francecentral", "francesouth"]),
        ("DE", ["germanywestcentral", "germanynorth"]),
        ("CH", ["switzerlandnorth", "switzerlandwest"]),
        ("NO", ["norwayeast", "norwaywest"]),
        ("SE", ["swedencentral", "swedensouth"]),
        ("PL", ["polandcentral"]),
        ("IT", ["italynorth"]),
        ("ES", ["spaincentral"]),
        ("AT", ["austriaeast"]),
        ("BE", ["belgiumcentral"]),
        ("IL", ["israelcentral"]),
        ("QA", ["qatarcentral"]),
        ("AE", ["uaenorth", "uaecentral"]),
        ("ZA", ["southafricanorth", "southafricawest"]),
        ("IN", ["centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral"]),
        ("HK", ["eastasia"]),
        ("SG", ["southeastasia"]),
        ("JP", ["japaneast", "japanwest"]),
        ("KR", ["koreacentral", "koreasouth"]),
        ("ID", ["indonesiacentral"]),
        ("MY", ["malaysiawest"]),
        ("AU", ["australiaeast", "australiasoutheast", "australiacentral", "australiacentral2"]),
        ("NZ", ["newzealandnorth"]),
    ])

    static let gcp = table([
        ("US", ["us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4"]),
        ("CA", ["northamerica-northeast1", "northamerica-northeast2"]),
        ("MX", ["northamerica-south1"]),
        ("BR", ["southamerica-east1"]),
        ("CL", ["southamerica-west1"]),
        ("BE", ["europe-west1"]),
        ("GB", ["europe-west2"]),
        ("DE", ["europe-west3", "europe-west10"]),
        ("NL", ["europe-west4"]),
        ("CH", ["europe-west6"]),
        ("IT", ["europe-west8", "europe-west12"]),
        ("FR", ["europe-west9"]),
        ("ES", ["europe-southwest1"]),
        ("PL", ["europe-central2"]),
        ("FI", ["europe-north1"]),
        ("SE", ["europe-north2"]),
        ("IL", ["me-west1"]),
        ("QA", ["me-central1"]),
        ("SA", ["me-central2"]),
        ("ZA", ["africa-south1"]),
        ("IN", ["asia-south1", "asia-south2"]),
        ("SG", ["asia-southeast1"]),
        ("ID", ["asia-southeast2"]),
        ("TW", ["asia-east1"]),
        ("HK", ["asia-east2"]),
        ("JP", ["asia-northeast1", "asia-northeast2"]),
        ("KR", ["asia-northeast3"]),
        ("AU", ["australia-southeast1", "australia-southeast2"]),
    ])
}
