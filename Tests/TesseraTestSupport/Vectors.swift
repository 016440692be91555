import Foundation

/// Loads the public test vectors kept in `Tests/Vectors` (or `$TESSERA_VECTORS`).
public enum Vectors {
    /// The vectors folder.
    public static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["TESSERA_VECTORS"] {
            return URL(fileURLWithPath: override)
        }
        // Tests/TesseraTestSupport/Vectors.swift → Tests/Vectors
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors")
    }()

    /// Decodes the JSON file at `path` under the vectors folder.
    public static func load<T: Decodable>(_ type: T.Type, _ path: String) -> T {
        let url = directory.appendingPathComponent(path)
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read vector file \(url.path): \(error)")
        }
    }
}

/// Hex helpers for vectors.
public enum Hex {
    /// Bytes from a hex string; traps on bad input because vector files are trusted data.
    public static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex")
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    /// Lower-case hex of `bytes`.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// Whether slow vectors (the ~1 GiB scrypt one, 2^24-round PBKDF2) were asked for.
public let slowVectorsEnabled = ProcessInfo.processInfo.environment["TESSERA_SLOW_VECTORS"] == "1"
