// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "scaffold",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scaffold", targets: ["scaffold"]),
        .executable(name: "platform-api", targets: ["platform-api"]),
        .executable(name: "scaffold-bench", targets: ["scaffold-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.25.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.4.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.1.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        // OTLP/HTTP (protobuf, port 4318) only: the default traits also build gRPC, which
        // adds minutes to every clean build for an exporter platform-api does not use.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // MARK: C shims
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(name: "CSupport", path: "Sources/CSupport"),

        // MARK: The generator, stage by stage
        .target(
            name: "BlueprintModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Manifests",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BringUp",
            dependencies: ["Manifests"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Renderer",
            dependencies: [
                "CSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Templates",
            dependencies: ["BlueprintModel", "Renderer"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GitKit",
            dependencies: ["CLibGit2"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MigrationRunner",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScaffoldCore",
            dependencies: [
                "BlueprintModel", "Templates", "Renderer", "GitKit", "MigrationRunner", "BringUp", "PolicyAudit",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PolicyAudit",
            dependencies: [
                "BlueprintModel", "Manifests", "Renderer", "Templates", "GitKit",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "scaffold",
            dependencies: [
                "ScaffoldCore", "MigrationRunner", "PolicyAudit", "BringUp",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "scaffold-bench",
            dependencies: ["ScaffoldCore"],
            swiftSettings: swiftSettings
        ),

        // MARK: The runtime service
        .target(
            name: "PlatformAPI",
            dependencies: [
                "MigrationRunner",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "platform-api",
            dependencies: ["PlatformAPI"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "platform-api-bench",
            dependencies: [
                "PlatformAPI", "Templates", "MigrationRunner", "ScaffoldCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Fuzzing (the targets themselves: Fuzz/Package.swift, scripts/fuzz.sh)
        .target(
            name: "FuzzEntries",
            dependencies: [
                "BlueprintModel", "ScaffoldCore", "MigrationRunner", "PlatformAPI",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz/Entries",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BlueprintModelTests", dependencies: ["BlueprintModel", "TestSupport"], exclude: ["Corpus"], swiftSettings: swiftSettings),
        .testTarget(name: "RendererTests", dependencies: ["Renderer", "TestSupport", .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates", "BlueprintModel", "Renderer", "TestSupport", .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        .testTarget(
            name: "PolicyAuditTests",
            dependencies: [
                "PolicyAudit", "Manifests", "ScaffoldCore", "MigrationRunner", "TestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BringUpTests", dependencies: ["BringUp", "Manifests", "ScaffoldCore", "BlueprintModel", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntries"], swiftSettings: swiftSettings),
        .testTarget(name: "GitKitTests", dependencies: ["GitKit", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "MigrationTests", dependencies: ["MigrationRunner", "Templates", "BlueprintModel", "Renderer", "TestSupport", .product(name: "PostgresNIO", package: "postgres-nio")], swiftSettings: swiftSettings),
        .testTarget(name: "ScaffoldCoreTests", dependencies: ["ScaffoldCore", "TestSupport"], swiftSettings: swiftSettings),
        // The CLI's own command tree (`Scaffold.parseAsRoot`) checks the commands generated CI runs.
        .testTarget(
            name: "ScaffoldCLITests",
            dependencies: ["scaffold", "ScaffoldCore", "Templates", "BlueprintModel", "Renderer", "BringUp", "TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlatformAPITests",
            dependencies: [
                "PlatformAPI", "TestSupport", "Templates", "MigrationRunner", "ScaffoldCore", "BlueprintModel", "platform-api-bench",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
