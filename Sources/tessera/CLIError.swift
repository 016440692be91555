import TesseraAuth

/// How a command ends when it does not succeed. The message is one line for stderr and never
/// contains a token, key or password.
enum CLIError: Error {
    /// A negative answer: invalid token, wrong password. Exit code 1.
    case negative(String)
    /// Bad usage or configuration. Exit code 2.
    case usage(String)

    var exitCode: Int32 {
        switch self {
        case .negative: 1
        case .usage: 2
        }
    }

    var message: String {
        switch self {
        case let .negative(message), let .usage(message): message
        }
    }
}

/// Runs `body`, turning an invalid configuration into a usage failure (exit 2).
func asConfigurationError<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as InvalidConfiguration {
        throw CLIError.usage(error.description)
    }
}

/// Runs `body`, turning any library error into a usage/configuration failure (exit 2).
func asConfigurationError<T>(_ context: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CLIError {
        throw error
    } catch {
        throw CLIError.usage("\(context): \(error)")
    }
}
