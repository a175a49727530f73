// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Custodia",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CustodiaCore", targets: ["CustodiaCore"]),
        .library(name: "CustodiaLedger", targets: ["CustodiaLedger"]),
        .library(name: "CustodiaStore", targets: ["CustodiaStore"]),
        .executable(name: "custodia", targets: ["custodia"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure domain: events, custody rules, CSV and JSON input. No I/O, no dependencies.
        .target(name: "CustodiaCore"),
        // Canonical leaf encoding, Merkle tree and tiles, proofs, signed notes, checkpoints.
        .target(
            name: "CustodiaLedger",
            dependencies: [
                "CustodiaCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Store protocol and its SQLite implementation.
        .target(
            name: "CustodiaStore",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "custodia",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks: input generation, ledger overhead, proof and lookup timings.
        .executableTarget(
            name: "custodia-bench",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CustodiaCoreTests", dependencies: ["CustodiaCore"]),
        .testTarget(
            name: "CustodiaLedgerTests",
            dependencies: ["CustodiaLedger"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(name: "CustodiaStoreTests", dependencies: ["CustodiaStore"]),
        .testTarget(name: "custodiaTests", dependencies: ["custodia", "CustodiaStore"]),
    ],
    swiftLanguageModes: [.v6]
)
