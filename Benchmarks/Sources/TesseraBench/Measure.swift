import Foundation

/// One benchmark result: the median time per operation over several timed batches.
struct Result {
    let name: String
    let nanosecondsPerOperation: Double

    var formatted: String {
        let value = nanosecondsPerOperation
        if value >= 1_000_000 { return String(format: "%10.2f ms", value / 1_000_000) }
        return String(format: "%10.3f µs", value / 1000)
    }
}

/// Times `iterations` calls of `body` per sample, `samples` times after one warm-up sample, and
/// returns the median nanoseconds per call.
func measure(_ name: String, iterations: Int, samples: Int = 15, _ body: () throws -> Void) rethrows -> Result {
    var perOperation: [Double] = []
    for sample in 0...samples {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = ContinuousClock.now - start
        if sample > 0 { perOperation.append(nanoseconds(elapsed) / Double(iterations)) }
    }
    return Result(name: name, nanosecondsPerOperation: median(perOperation))
}

/// The async form, for APIs (jwt-kit's actor) that only offer async calls.
func measureAsync(_ name: String, iterations: Int, samples: Int = 15, _ body: () async throws -> Void) async rethrows -> Result {
    var perOperation: [Double] = []
    for sample in 0...samples {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        let elapsed = ContinuousClock.now - start
        if sample > 0 { perOperation.append(nanoseconds(elapsed) / Double(iterations)) }
    }
    return Result(name: name, nanosecondsPerOperation: median(perOperation))
}

private func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Prints a subject beside its peer and the ratio subject/peer (below 1 means the subject is faster).
func report(_ subject: Result, beside peer: Result) {
    print("\(subject.name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(subject.formatted)")
    print("\(peer.name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(peer.formatted)")
    print(String(format: "  ratio %@ / peer = %.3f", "Tessera", subject.nanosecondsPerOperation / peer.nanosecondsPerOperation))
}
