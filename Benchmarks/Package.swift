// swift-tools-version: 6.2
// Benchmarks live in their own package so the product builds without the peers they measure
// against (jwt-kit, swift-crypto). Run with scripts/bench.sh.
import PackageDescription

let package = Package(
    name: "TesseraBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Tessera", path: ".."),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        .systemLibrary(name: "CBenchOpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .executableTarget(
            name: "TesseraBench",
            dependencies: [
                "CBenchOpenSSL",
                .product(name: "TesseraJWT", package: "Tessera"),
                .product(name: "TesseraCrypto", package: "Tessera"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .executableTarget(
            name: "StoreBench",
            dependencies: [
                .product(name: "TesseraAuth", package: "Tessera"),
                .product(name: "TesseraSQLite", package: "Tessera"),
                .product(name: "TesseraPostgres", package: "Tessera"),
                .product(name: "TesseraJWT", package: "Tessera"),
                .product(name: "TesseraCrypto", package: "Tessera"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "HelloNIO",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
