import Foundation

/// `scaffold init`: a small, valid blueprint to start from, with its pins file.
/// Written as text on purpose: it is a hand-owned starting point full of comments,
/// not generated output.
public enum StarterBlueprint {
    /// The JSON Schema file `init` writes beside the blueprint, which its first line points
    /// editors at (yaml-language-server resolves the path relative to the blueprint).
    public static let schemaFile = "blueprint.schema.json"

    /// `blueprintPath`: where the file sits in its repository (the CI workflows name it).
    public static func blueprint(name: String, blueprintPath: String = "blueprint.yaml") -> String {
        """
        # yaml-language-server: $schema=\(schemaFile)
        # A scaffold blueprint. Reference: docs/blueprint.md. Check it with `scaffold validate`.
        apiVersion: scaffold.dev/v1

        platform:
          name: \(name)
          domain: \(name).example.com

        repositories:
          ops: {url: ../\(name)-ops, branch: main}
          infra: {url: ../\(name)-infra, branch: main}

        environments:
          - name: dev-local
            domain: \(name).localhost
            cluster: k3d
          - name: staging
            domain: staging.\(name).example.com
          - name: production
            domain: \(name).example.com

        regions:
          - id: eu
            country: DE
            cloud: digitalocean
            location: fra1
            residency: strict
            environments: [dev-local, staging, production]

        organizations:
          - id: acme
            displayName: Acme
            homeRegion: eu
            quotas: {cpu: "4", memory: 8Gi, storage: 50Gi}
            projects:
              - id: website

        services:
          - name: api
            image: ghcr.io/\(name)/api
            port: 8080
            replicas: {min: 2, max: 4}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
              limits: {cpu: 500m, memory: 256Mi}
            health: {liveness: /healthz, readiness: /readyz}
            dependsOn:
              - dataStore: postgres
            expose: {host: api}

        dataStores:
          - name: postgres
            kind: postgresql
          - name: objects
            kind: minio
            buckets: [backups]

        backup:
          store: objects
          bucket: backups

        policy:
          cosign:
            issuer: https://token.actions.githubusercontent.com
            subject: https://github.com/\(name)/*

        # CI for the repositories (GitHub Actions): `generate` writes the ops and infra
        # workflows, `scaffold ci` this repository's. Point scaffoldSource at your copy of
        # scaffold's source (CI builds the version that generated the output).
        ci:
          repository: \(name)/\(name)-blueprint
          scaffoldSource: https://github.com/\(name)/scaffold.git
          blueprintPath: \(blueprintPath)

        """
    }

    /// Placeholder digests are all zeros: replace them with `scaffold bump`.
    public static func pins() -> String {
        let zero = "sha256:" + String(repeating: "0", count: 64)
        return """
        # Machine-owned: `scaffold bump` and `scaffold promote` rewrite this file.
        apiVersion: scaffold.dev/v1
        kind: Pins
        pins:
          api:
            dev-local: \(zero)
            staging: \(zero)
            production: \(zero)

        """
    }
}
