// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TesseraCrypto", targets: ["TesseraCrypto"]),
        .library(name: "TesseraJWT", targets: ["TesseraJWT"]),
        .library(name: "TesseraAuth", targets: ["TesseraAuth"]),
        .library(name: "TesseraSQLite", targets: ["TesseraSQLite"]),
        .library(name: "TesseraPostgres", targets: ["TesseraPostgres"]),
        .library(name: "TesseraHTTP", targets: ["TesseraHTTP"]),
        .library(name: "TesseraServer", targets: ["TesseraServer"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "TesseraCrypto", dependencies: ["COpenSSL"]),
        .target(name: "TesseraJWT", dependencies: ["TesseraCrypto"]),
        .target(
            name: "TesseraAuth",
            dependencies: [
                "TesseraJWT", "TesseraCrypto",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            // The common-password list's licence, kept beside the list (its text is also in the list's header).
            exclude: ["Password/LICENSE-zxcvbn.txt"]
        ),
        .target(name: "TesseraSQL", dependencies: ["TesseraAuth"]),
        .target(
            name: "TesseraSQLite",
            dependencies: ["TesseraAuth", "TesseraSQL", .product(name: "SQLiteNIO", package: "sqlite-nio")]
        ),
        .target(
            name: "TesseraPostgres",
            dependencies: [
                "TesseraAuth",
                "TesseraSQL",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TesseraHTTP",
            dependencies: [
                "TesseraAuth", "TesseraJWT", "TesseraCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            resources: [.embedInCode("Resources/openapi.json")]
        ),
        .target(
            name: "TesseraServer",
            dependencies: [
                "TesseraAuth", "TesseraJWT", "TesseraCrypto", "TesseraHTTP", "TesseraSQLite", "TesseraPostgres",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraJWT",
                "TesseraCrypto",
                "TesseraAuth",
                "TesseraHTTP",
                "TesseraServer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // A resource server verifying Tessera's tokens from its JWKS, with no secret.
        .executableTarget(name: "VerifyWithJWKS", dependencies: ["TesseraJWT"], path: "Examples/VerifyWithJWKS"),
        .target(name: "TesseraTestSupport", path: "Tests/TesseraTestSupport"),
        .testTarget(name: "TesseraCryptoTests", dependencies: ["TesseraCrypto", "TesseraTestSupport"]),
        .testTarget(name: "TesseraJWTTests", dependencies: ["TesseraJWT", "TesseraCrypto", "TesseraTestSupport"]),
        .testTarget(
            name: "TesseraAuthTests",
            dependencies: [
                "TesseraAuth", "TesseraSQL", "TesseraSQLite", "TesseraPostgres", "TesseraJWT", "TesseraCrypto", "TesseraTestSupport",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .testTarget(
            name: "TesseraHTTPTests",
            dependencies: [
                "TesseraHTTP", "TesseraServer", "TesseraAuth", "TesseraSQLite", "TesseraJWT", "TesseraCrypto",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TesseraCLITests", dependencies: ["tessera", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "TesseraCrashWorker",
            dependencies: ["TesseraAuth", "TesseraSQLite", "TesseraJWT", "TesseraCrypto"],
            path: "Tests/CrashWorker"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Stricter language modes for every Swift target: explicit `any` for existentials, and members
// visible only through modules a file imports itself.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
