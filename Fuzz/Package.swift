// swift-tools-version: 6.1
import PackageDescription

// The fuzz targets, built by scripts/fuzz.sh with libFuzzer and AddressSanitizer.
//
// A package of its own so a fuzz build compiles only what the targets reach: the
// modules have the main package's names, but `Layout/` links in just the files
// fuzzed (PinsEditor.swift without the rest of ScaffoldCore, RESPValue.swift
// without the rest of PlatformAPI). `Entries/` is shared with the main package's
// FuzzEntries target, and FuzzRegressionTests runs every stored crash through it.
let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "scaffold-fuzz",
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .target(name: "BlueprintModel", dependencies: [.product(name: "Yams", package: "Yams")],
                path: "Layout/BlueprintModel", swiftSettings: swiftSettings),
        .target(name: "Renderer", path: "Layout/Renderer", swiftSettings: swiftSettings),
        .target(name: "ScaffoldCore", dependencies: ["BlueprintModel", "Renderer", .product(name: "Yams", package: "Yams")],
                path: "Layout/ScaffoldCore", swiftSettings: swiftSettings),
        .target(name: "MigrationRunner", path: "Layout/MigrationRunner", swiftSettings: swiftSettings),
        .target(name: "PlatformAPI", dependencies: [.product(name: "NIOCore", package: "swift-nio")],
                path: "Layout/PlatformAPI", swiftSettings: swiftSettings),
        .target(name: "FuzzEntries",
                dependencies: ["BlueprintModel", "ScaffoldCore", "MigrationRunner", "PlatformAPI", .product(name: "NIOCore", package: "swift-nio")],
                path: "Entries", swiftSettings: swiftSettings),
        .target(name: "CFuzzerDriver", path: "CFuzzerDriver"),
        .executableTarget(name: "fuzz-blueprint", dependencies: ["FuzzEntries", "CFuzzerDriver"], path: "blueprint", swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-pins", dependencies: ["FuzzEntries", "CFuzzerDriver"], path: "pins", swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-sql", dependencies: ["FuzzEntries", "CFuzzerDriver"], path: "sql", swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-resp", dependencies: ["FuzzEntries", "CFuzzerDriver"], path: "resp", swiftSettings: swiftSettings),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntries"], path: "Layout/FuzzRegressionTests", swiftSettings: swiftSettings),
    ]
)
