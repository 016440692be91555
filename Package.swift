// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TesseraCrypto", targets: ["TesseraCrypto"]),
        .library(name: "TesseraJWT", targets: ["TesseraJWT"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "TesseraCrypto", dependencies: ["COpenSSL"]),
        .target(name: "TesseraJWT", dependencies: ["TesseraCrypto"]),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraJWT",
                "TesseraCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .target(name: "TesseraTestSupport", path: "Tests/TesseraTestSupport"),
        .testTarget(name: "TesseraCryptoTests", dependencies: ["TesseraCrypto", "TesseraTestSupport"]),
        .testTarget(name: "TesseraJWTTests", dependencies: ["TesseraJWT", "TesseraCrypto", "TesseraTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
