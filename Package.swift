// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "agner",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agner", targets: ["agner"]),
        .library(name: "AgnerCore", targets: ["AgnerCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "AgnerCore",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "agner",
            dependencies: [
                "AgnerCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AgnerCoreTests", dependencies: ["AgnerCore"]),
    ]
)
