// swift-tools-version: 6.1
import PackageDescription

/// The engine and the server keep their state in class properties on one thread; Swift checks
/// every access to such a property at run time for overlapping access (5 % of the server's
/// time under load). Debug builds, which the tests use, keep the checks; release builds drop
/// them. See docs/performance.md.
let uncheckedExclusivityInRelease: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "agner",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agner", targets: ["agner"]),
        .library(name: "AgnerCore", targets: ["AgnerCore"]),
        .library(name: "AgnerSim", targets: ["AgnerSim"]),
        .library(name: "AgnerProtocol", targets: ["AgnerProtocol"]),
        .library(name: "AgnerServer", targets: ["AgnerServer"]),
        .library(name: "AgnerStore", targets: ["AgnerStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already in the graph through Hummingbird; named for NIOHTTPTypes (the HTTP face's
        // admission handler reads request heads).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The wallboard's HTTP face (without swift-configuration, which nothing here uses) and the report's templates.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "AgnerCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: uncheckedExclusivityInRelease
        ),
        .target(
            name: "AgnerSim",
            dependencies: [
                "AgnerCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(name: "AgnerReport", dependencies: ["AgnerCore", "AgnerSim", .product(name: "Mustache", package: "swift-mustache")]),
        .target(name: "AgnerStore", dependencies: [
            "CZlib",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        .systemLibrary(name: "CJansson", providers: [.apt(["libjansson-dev"])]),
        // zlib's CRC-32 for the journal's and the snapshots' checksums (AgnerStore only).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The wire protocol without sockets: codec, line splitting, requests, events, names.
        .target(
            name: "AgnerProtocol",
            dependencies: [
                "AgnerCore", "CJansson",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: uncheckedExclusivityInRelease
        ),
        .target(
            name: "AgnerServer",
            dependencies: [
                "AgnerCore", "AgnerProtocol", "CJansson",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: uncheckedExclusivityInRelease
        ),
        .target(
            name: "AgnerWallboard",
            dependencies: [
                "AgnerServer", "AgnerProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),  // the connection limit (MaximumAvailableConnections)
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "agner",
            dependencies: [
                "AgnerCore",
                "AgnerSim",
                "AgnerReport",
                "AgnerStore",
                "AgnerServer",
                "AgnerProtocol",
                "AgnerWallboard",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AgnerCoreTests", dependencies: ["AgnerCore", "AgnerTestSupport"]),
        .testTarget(name: "AgnerSimTests", dependencies: ["AgnerSim"], resources: [.copy("Resources")]),
        .testTarget(name: "AgnerReportTests", dependencies: ["AgnerReport", "AgnerSim"]),
        .testTarget(name: "AgnerStoreTests", dependencies: ["AgnerStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "AgnerTestSupport", path: "Tests/AgnerTestSupport"),
        .testTarget(name: "AgnerProtocolTests", dependencies: ["AgnerProtocol"]),
        .testTarget(name: "AgnerServerTests", dependencies: ["AgnerServer", "AgnerProtocol", "AgnerTestSupport", .product(name: "MetricsTestKit", package: "swift-metrics")]),
        .testTarget(name: "AgnerWallboardTests", dependencies: ["AgnerWallboard", "AgnerServer", "AgnerProtocol", "AgnerTestSupport",
                                                                .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "agnerTests", dependencies: ["agner", "AgnerTestSupport"]),
    ]
)
