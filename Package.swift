// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "runlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "worker", targets: ["worker"]),
        .library(name: "RunStateMachine", targets: ["RunStateMachine"]),
        .library(name: "Journal", targets: ["Journal"]),
        .library(name: "Effects", targets: ["Effects"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .executable(name: "runlog-supervisor", targets: ["runlog-supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "RunStateMachine"),
        .target(
            name: "Journal",
            dependencies: [
                "RunStateMachine",
                "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CSandbox",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]
        ),
        .target(
            name: "SandboxSupervisor",
            dependencies: [
                "RunStateMachine",
                "CSandbox",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "runlog-supervisor",
            dependencies: ["SandboxSupervisor"]
        ),
        .target(
            name: "Effects",
            dependencies: [
                "RunStateMachine",
                "SandboxSupervisor",
                "CSandbox",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Runtime",
            dependencies: ["RunStateMachine", "Journal", "Effects"]
        ),
        .executableTarget(
            name: "worker",
            dependencies: [
                "RunStateMachine",
                "Journal",
                "Runtime",
                "Effects",
                "runlog-supervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RunStateMachineTests",
            dependencies: [
                "RunStateMachine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: [
                "Journal",
                "Runtime",
                "RunStateMachine",
                "CSQLite",
                "worker",
                "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "Journal", "RunStateMachine", "TestSupport"]
        ),
.testTarget(
            name: "EffectsTests",
            dependencies: ["Effects", "SandboxSupervisor", "RunStateMachine", "TestSupport", "runlog-supervisor"]
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// One place for the settings every target of ours shares: upcoming features and warnings as errors.
for target in package.targets where target.type != .system && target.name != "CSandbox" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .treatAllWarnings(as: .error),
    ]
}
