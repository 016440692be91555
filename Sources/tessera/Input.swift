import Foundation
import TesseraCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// Reading secrets from standard input, never from argv.
enum Input {
    /// All of stdin, up to `limit` bytes, without its final line break. On a terminal, prompts
    /// on stderr and turns echo off.
    static func secret(prompt: String, limit: Int) throws -> String {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data(prompt.utf8))
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if terminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        var bytes = try read(limit: limit + 2, stopAtNewline: terminal)
        defer { ConstantTime.wipe(&bytes) }
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CLIError.usage("stdin is not UTF-8") }
        return text
    }

    /// A token from stdin, trimmed of surrounding whitespace.
    static func token(limit: Int) throws -> String {
        let bytes = try read(limit: limit + 2, stopAtNewline: false)
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Up to `limit` bytes of stdin; on a terminal, one line (read a byte at a time so nothing
    /// after the line is consumed), otherwise in chunks until end of input.
    private static func read(limit: Int, stopAtNewline: Bool) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: stopAtNewline ? 1 : 4096)
        defer { ConstantTime.wipe(&chunk) }
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
            if stopAtNewline, chunk[0] == 0x0A { break }
        }
        return bytes
    }
}
