// swift-tools-version: 6.1
// Benchmarks live in their own package so that `swift build` and `swift test` at the root
// never compile them. Run: swift package --package-path Benchmarks benchmark
import PackageDescription

let package = Package(
    name: "AgnerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "agner", path: "../"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "Workloads",
            dependencies: [
                .product(name: "AgnerCore", package: "agner"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            path: "Sources/Workloads"
        ),
        .executableTarget(
            name: "ProfileEngine",
            dependencies: ["Workloads"],
            path: "Sources/ProfileEngine"
        ),
        .executableTarget(
            name: "SimulatorBenchmarks",
            dependencies: [
                .product(name: "AgnerSim", package: "agner"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SimulatorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RouterBenchmarks",
            dependencies: [
                .product(name: "AgnerCore", package: "agner"),
                .product(name: "AgnerServer", package: "agner"),
                .product(name: "AgnerStore", package: "agner"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RouterBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "Workloads",
                .product(name: "AgnerCore", package: "agner"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
