import BlueprintModel
import Renderer

/// platform-api's container image: where things are inside it and the recipe that builds
/// it. The generated Deployment and migration Job read the same constants (user, the
/// migrations folder), so the image and the objects that run it cannot disagree.
///
/// The image is built from scaffold's source at the generator's version (the service)
/// and the ops repository's `db/migrations` (this platform's schema), in two stages: a
/// static-stdlib release build in the Swift image, then distroless `cc` (no shell, no
/// package manager) running as the unprivileged ``user``, read-only at run time.
public enum PlatformAPIImage {
    /// The service a blueprint names platform-api by.
    public static let serviceName = "platform-api"
    /// Everything the service needs, read-only: the binary, its resource bundle, migrations.
    public static let root = "/app"
    public static let binary = "\(root)/platform-api"
    /// SwiftPM's resource bundle of the PlatformAPI target, found beside the binary.
    public static let resourceBundle = "scaffold_PlatformAPI.resources"
    /// Where the migration Job's `platform-api migrate` reads the migrations (`PLATFORM_API_MIGRATIONS_DIR`).
    public static let migrationsDirectory = "\(root)/\(DatabaseMigrations.directory)"
    /// The numeric user and group (the pods' `runAsUser`/`runAsGroup`).
    public static var user: Int { ServiceWorkloads.runAsUser }
    /// Where the recipe lives in the blueprint repository.
    public static let dockerfilePath = "platform-api/Dockerfile"
    /// The build context's folders: scaffold's source and the ops repository.
    public static let sourceFolder = "scaffold"
    public static let opsFolder = "ops"

    /// The platform-api service of a blueprint, when it runs one.
    public static func service(in blueprint: Blueprint) -> Service? {
        blueprint.services.first { $0.name == serviceName }
    }

    /// The recipe for `service` (its port).
    public static func dockerfile(_ service: Service, generatorVersion: String) -> Dockerfile {
        let output = "/out"
        return Dockerfile([
            .comment("platform-api \(generatorVersion): scaffold's source and this platform's migrations."),
            .comment("Build context: `\(sourceFolder)/` (scaffold's source at v\(generatorVersion)) and `\(opsFolder)/` (the ops repository)."),
            .from(image: ActionPins.swiftImage, stage: "build"),
            .workdir("/src"),
            .copy(sources: ["\(sourceFolder)/"], destination: "./"),
            .run([
                "swift build -c release --product platform-api --static-swift-stdlib",
                "&& mkdir -p \(output)",
                "&& cp .build/release/platform-api \(output)/",
                "&& cp -R .build/release/\(resourceBundle) \(output)/",
            ]),
            .blank,
            .from(image: ActionPins.runtimeImage, stage: nil),
            .label(name: "org.opencontainers.image.title", value: serviceName),
            .label(name: "org.opencontainers.image.version", value: generatorVersion),
            .workdir(root),
            // Owned by root, readable by all: the service cannot change its own code.
            .copy(sources: ["\(output)/"], destination: "\(root)/", from: "build"),
            .copy(sources: ["\(opsFolder)/\(DatabaseMigrations.directory)/"], destination: "\(migrationsDirectory)/"),
            .env(name: "PLATFORM_API_MIGRATIONS_DIR", value: migrationsDirectory),
            .user("\(user):\(user)"),
            .expose(service.port),
            .entrypoint([binary]),
            .cmd(["serve"]),
        ])
    }
}
