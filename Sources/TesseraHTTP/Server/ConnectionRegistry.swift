import NIOCore
import Synchronization
import TesseraAuth

/// Whether a connection is between requests, and since when: what the registry reclaims first.
final class ConnectionActivity: Sendable {
    /// Uptime nanoseconds when it last became idle; -1 while a request is read or answered.
    private let idleSince = Atomic<Int64>(NIODeadline.now().uptimeNanoseconds.clampedToInt64)

    func busy() { idleSince.store(-1, ordering: .relaxed) }
    func idle() { idleSince.store(NIODeadline.now().uptimeNanoseconds.clampedToInt64, ordering: .relaxed) }
    var idleSinceNanoseconds: Int64? {
        let value = idleSince.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }
}

extension UInt64 {
    fileprivate var clampedToInt64: Int64 { Int64(clamping: self) }
}

/// The open connections: at most `maximumConnections` in all and `maximumPerAddress` from one
/// client address (an IPv4 address, an IPv6 /64; trusted proxies are exempt, since all their
/// clients share their address). At the global limit an idle connection is closed to make room,
/// as nginx reclaims its keep-alive connections, so that a client holding many idle connections
/// cannot lock everyone else out: one idle for at least `minimumIdle`, from the address holding
/// the most connections, the idlest of those. Only when none qualifies is a new one refused.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        let address: String?
        let activity: ConnectionActivity
    }

    private struct State {
        var open: [ObjectIdentifier: Entry] = [:]
        var perAddress: [String: Int] = [:]

        mutating func release(_ address: String) {
            perAddress[address, default: 1] -= 1
            if perAddress[address] == 0 { perAddress[address] = nil }
        }
    }

    let maximumConnections: Int
    let maximumPerAddress: Int
    let exempt: [IPNetwork]
    /// A connection idle for less than this is never closed to make room (nanoseconds).
    let minimumIdle: Int64
    private let state = Mutex(State())

    init(maximumConnections: Int, maximumPerAddress: Int, exempt: [IPNetwork], minimumIdle: Duration) {
        self.maximumConnections = maximumConnections
        self.maximumPerAddress = maximumPerAddress
        self.exempt = exempt
        self.minimumIdle = minimumIdle.components.seconds * 1_000_000_000 + minimumIdle.components.attoseconds / 1_000_000_000
    }

    enum Admission {
        case admitted(ConnectionActivity)
        case refused(reason: String)
    }

    /// Counts `channel` in (and out again when it closes), closing an idle connection to make
    /// room at the global limit; or refuses it.
    func admit(_ channel: any Channel) -> Admission {
        let peer = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
        let address = peer.flatMap { peer in exempt.contains { $0.contains(peer) } ? nil : peer.limitKey }
        let activity = ConnectionActivity()
        let id = ObjectIdentifier(channel)
        let (evicted, refusal): ((any Channel)?, String?) = state.withLock { state in
            if let address, state.perAddress[address, default: 0] >= maximumPerAddress { return (nil, "per-address connection limit reached") }
            var evicted: (any Channel)?
            if state.open.count >= maximumConnections {
                let now = Int64(clamping: NIODeadline.now().uptimeNanoseconds)
                let perAddress = state.perAddress
                let candidates = state.open.compactMap { key, entry in
                    entry.activity.idleSinceNanoseconds.flatMap { now - $0 >= minimumIdle ? (key, entry, $0) : nil }
                }
                // The most crowded address first (an exempt proxy counts as uncrowded), then the idlest.
                let chosen = candidates.min { a, b in
                    let crowdA = a.1.address.map { perAddress[$0, default: 0] } ?? 0
                    let crowdB = b.1.address.map { perAddress[$0, default: 0] } ?? 0
                    return crowdA != crowdB ? crowdA > crowdB : a.2 < b.2
                }
                guard let (key, entry, _) = chosen else { return (nil, "connection limit reached and no connection is idle") }
                state.open[key] = nil
                if let address = entry.address { state.release(address) }
                evicted = entry.channel
            }
            state.open[id] = Entry(channel: channel, address: address, activity: activity)
            if let address { state.perAddress[address, default: 0] += 1 }
            return (evicted, nil)
        }
        if let refusal { return .refused(reason: refusal) }
        evicted?.close(promise: nil)
        channel.closeFuture.whenComplete { [self] _ in forget(id) }
        return .admitted(activity)
    }

    private func forget(_ id: ObjectIdentifier) {
        state.withLock { state in
            guard let entry = state.open.removeValue(forKey: id), let address = entry.address else { return }
            state.release(address)
        }
    }

    var count: Int { state.withLock { $0.open.count } }
}
