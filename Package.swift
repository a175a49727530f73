// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Custodia",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CustodiaCore", targets: ["CustodiaCore"]),
        .library(name: "CustodiaLedger", targets: ["CustodiaLedger"]),
        .library(name: "CustodiaStore", targets: ["CustodiaStore"]),
        .library(name: "CustodiaWeb", targets: ["CustodiaWeb"]),
        .library(name: "CustodiaServer", targets: ["CustodiaServer"]),
        .executable(name: "custodia", targets: ["custodia"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure domain: events, custody rules, CSV and JSON input. No I/O, no dependencies
        // beyond the toolchain's own ICU (Unicode look-alike skeletons, UTS #39).
        .target(
            name: "CustodiaCore",
            linkerSettings: [.linkedLibrary("_FoundationICU", .when(platforms: [.linux]))]
        ),
        // Canonical leaf encoding, Merkle tree and tiles, proofs, signed notes, checkpoints.
        .target(
            name: "CustodiaLedger",
            dependencies: [
                "CustodiaCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The storage seam, backend-neutral: the Store and UserStore protocols, their values,
        // receipts, key files and input sources. No database library.
        .target(
            name: "CustodiaStore",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The SQLite backend (GRDB): only the executables and the tests name it.
        .target(
            name: "CustodiaSQLite",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The PostgreSQL backend (postgres-nio), for several servers on one database.
        .target(
            name: "CustodiaPostgres",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // libzint from the system (Debian: libzint-dev), and the QR codes of receipts over it.
        .systemLibrary(name: "CZint", path: "Sources/CZint", providers: [.apt(["libzint-dev"])]),
        .target(name: "CustodiaQR", dependencies: ["CZint"]),
        // The policy pack as a deployment writes it (YAML), read into the core's checks with
        // the line of every problem.
        .target(
            name: "CustodiaPolicyFile",
            dependencies: ["CustodiaCore", .product(name: "Yams", package: "Yams")]
        ),
        // The web UI's pages: templates, translations, charts and form validation. Pure:
        // it renders view values to HTML and never touches a socket or a store.
        .target(
            name: "CustodiaWeb",
            dependencies: [
                "CustodiaCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        // The Hummingbird application: JSON API, authentication, web UI routes, tiles.
        .target(
            name: "CustodiaServer",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                "CustodiaWeb",
                "CustodiaQR",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("OpenAPI")]
        ),
        .executableTarget(
            name: "custodia",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                "CustodiaServer",
                "CustodiaSQLite",
                "CustodiaPostgres",
                "CustodiaQR",
                "CustodiaPolicyFile",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP floor of scripts/bench-server.sh: bare Hummingbird answering the benchmark's
        // requests with bodies of the sizes Custodia answers with.
        .executableTarget(
            name: "custodia-http-floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Benchmarks: input generation, ledger overhead, proof and lookup timings.
        .executableTarget(
            name: "custodia-bench",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaStore",
                "CustodiaSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CustodiaCoreTests", dependencies: ["CustodiaCore"]),
        .testTarget(
            name: "CustodiaLedgerTests",
            dependencies: ["CustodiaLedger"],
            resources: [.copy("Vectors")]
        ),
        // Child processes for the tests (Foundation's Process.run crashes now and then on
        // Linux in Swift 6.3.1; see ChildProcess).
        .target(name: "CustodiaTestSupport", path: "Tests/Support"),
        .testTarget(
            name: "CustodiaStoreTests", dependencies: ["CustodiaStore", "CustodiaSQLite", "CustodiaPostgres", "CustodiaTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "CustodiaWebTests", dependencies: ["CustodiaWeb"]),
        .testTarget(
            name: "CustodiaServerTests",
            dependencies: [
                "CustodiaCore",
                "CustodiaLedger",
                "CustodiaServer",
                "CustodiaStore",
                "CustodiaSQLite",
                "CustodiaPostgres",
                "CustodiaQR",
                "CustodiaTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "custodiaTests",
            dependencies: ["custodia", "CustodiaLedger", "CustodiaStore", "CustodiaSQLite", "CustodiaPostgres", "CustodiaTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
