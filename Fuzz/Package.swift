// swift-tools-version:5.3
// 5.3 on purpose: newer tools versions rename an executable's entry point (for testable
// executables), which a libFuzzer target, built with -parse-as-library and taking its `main` from
// libFuzzer, does not have (swift-protobuf's FuzzTesting does the same).
import PackageDescription

// libFuzzer targets over Tessera's parsers. Not part of the main build: `scripts/fuzz.sh`
// builds them with `-sanitize=fuzzer,address -parse-as-library` on its own scratch path and
// runs each one.
let package = Package(
    name: "TesseraFuzz",
    dependencies: [
        .package(name: "Tessera", path: ".."),
        .package(name: "swift-nio", url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(name: "swift-log", url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .target(
            name: "FuzzJWT",
            dependencies: [.product(name: "TesseraJWT", package: "Tessera"), .product(name: "TesseraCrypto", package: "Tessera")]),
        .target(name: "FuzzJSON", dependencies: [.product(name: "TesseraJWT", package: "Tessera")]),
        .target(name: "FuzzForms", dependencies: [.product(name: "TesseraHTTP", package: "Tessera")]),
        .target(
            name: "FuzzRequestHead",
            dependencies: [
                .product(name: "TesseraHTTP", package: "Tessera"),
                .product(name: "TesseraAuth", package: "Tessera"),
                .product(name: "TesseraJWT", package: "Tessera"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
