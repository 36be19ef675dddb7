// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "runlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "worker", targets: ["worker"]),
        .library(name: "RunStateMachine", targets: ["RunStateMachine"]),
        .library(name: "Journal", targets: ["Journal"]),
        .library(name: "JournalPostgres", targets: ["JournalPostgres"]),
        .library(name: "Effects", targets: ["Effects"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .executable(name: "runlog-supervisor", targets: ["runlog-supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "RunStateMachine"),
        .target(name: "Failpoints"),
        .target(
            name: "Journal",
            dependencies: [
                "RunStateMachine",
                "CSQLite",
                "Failpoints",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The PostgreSQL store: its own module, so that the core targets (and a build that only
        // wants the embedded store) do not link postgres-nio.
        .target(
            name: "JournalPostgres",
            dependencies: [
                "RunStateMachine",
                "Journal",
                "SystemSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CSandbox",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]
        ),
        .target(
            name: "SystemSupport",
            dependencies: [
                "RunStateMachine",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SandboxSupervisor",
            dependencies: [
                "RunStateMachine",
                "SystemSupport",
                "CSandbox",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "runlog-supervisor",
            dependencies: ["SandboxSupervisor"],
            // A supervisor starts for every sandbox: linked statically it loads no Swift runtime
            // libraries and is ready in about half the time (BENCHMARKS.md). The toolchain's
            // static Foundation needs its own support libraries named; lld links them cleanly.
            // Release only: debug test bundles link this target's objects and must stay dynamic.
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld",
                    "-Xlinker", "-l_FoundationCollections", "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-lswiftSynchronization",
                ], .when(configuration: .release))
            ]
        ),
        .target(
            name: "Effects",
            dependencies: [
                "RunStateMachine",
                "SystemSupport",
                "SandboxSupervisor",
                "CSandbox",
                "Failpoints",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Runtime",
            dependencies: [
                "RunStateMachine", "Journal", "Effects", "SystemSupport", "Failpoints",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Benchmarks",
            dependencies: ["RunStateMachine", "Journal", "JournalPostgres", "Effects", "Runtime", "SystemSupport"]
        ),
        .executableTarget(
            name: "worker",
            dependencies: [
                "Benchmarks",
                "RunStateMachine",
                "Journal",
                "JournalPostgres",
                "Runtime",
                "Effects",
                "runlog-supervisor",
                "CSandbox",
                "SandboxSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RunStateMachineTests",
            dependencies: [
                "RunStateMachine",
                "SystemSupport",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: [
                "Journal",
                "JournalPostgres",
                "Runtime",
                "RunStateMachine",
                "SystemSupport",
                "CSQLite",
                "worker",
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "Journal", "RunStateMachine", "Effects", "Benchmarks", "SystemSupport", "TestSupport", "runlog-supervisor"]
        ),
.testTarget(
            name: "EffectsTests",
            dependencies: [
                "Effects", "SandboxSupervisor", "SystemSupport", "RunStateMachine", "TestSupport", "runlog-supervisor",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: ["Effects", "Journal", "JournalPostgres", "RunStateMachine", "Failpoints", "SystemSupport", "TestSupport", "worker", "runlog-supervisor"]
        ),
        .target(
            name: "FuzzChecks",
            dependencies: ["RunStateMachine", "Journal", "Effects", "SandboxSupervisor"]
        ),
        .testTarget(
            name: "FuzzTests",
            dependencies: ["FuzzChecks"]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "RunStateMachine",
                "Journal",
                "JournalPostgres",
                "Runtime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer executables, one per FuzzTarget: only with RUNLOG_FUZZ=1, which `scripts/fuzz`
// sets when it builds them with `-sanitize=fuzzer,address`; each calls FuzzDriver, which runs
// libFuzzer's driver on its FuzzTarget. An ordinary build does not see them.
if Context.environment["RUNLOG_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzDriver", dependencies: ["FuzzChecks"], path: "Fuzz/Driver"))
    for name in ["json", "spec", "record", "connect", "control"] {
        package.products.append(.executable(name: "fuzz-\(name)", targets: ["fuzz-\(name)"]))
        package.targets.append(.executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzDriver", "FuzzChecks"], path: "Fuzz/Targets/\(name)"))
    }
}

// One place for the settings every target of ours shares: upcoming features and warnings as errors.
for target in package.targets where target.type != .system && target.name != "CSandbox" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .treatAllWarnings(as: .error),
        // Generic code of one module (the journal's fold, the machine checks) is specialized
        // for the machines of another; without it, replay runs unspecialized (BENCHMARKS.md).
        .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
    ]
}
