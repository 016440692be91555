/// What the pipeline does with a request: answer now, on the caller's thread (the event loop:
/// verification, metadata), or after async work (store and hashing) off it.
public enum Dispatch: Sendable {
    case ready(HTTPResponse)
    case pending(@Sendable () async -> HTTPResponse)

    /// The same dispatch with `transform` applied to its response: at once for a ready answer,
    /// after the work for a pending one. Middleware uses it to act on the way back.
    @inline(__always)
    public func map(_ transform: @escaping @Sendable (HTTPResponse) -> HTTPResponse) -> Dispatch {
        switch self {
        case let .ready(response): .ready(transform(response))
        case let .pending(work): .pending { transform(await work()) }
        }
    }
}
