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
/// clients share their address). At the global limit the connection idle the longest is closed
/// to make room, as nginx reclaims its keep-alive connections, so that a client holding many idle
/// connections cannot lock everyone else out; only when none is idle is a new one refused.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        let address: String?
        let activity: ConnectionActivity
    }

    private struct State {
        var open: [ObjectIdentifier: Entry] = [:]
        var perAddress: [String: Int] = [:]
    }

    let maximumConnections: Int
    let maximumPerAddress: Int
    let exempt: [IPNetwork]
    private let state = Mutex(State())

    init(maximumConnections: Int, maximumPerAddress: Int, exempt: [IPNetwork]) {
        self.maximumConnections = maximumConnections
        self.maximumPerAddress = maximumPerAddress
        self.exempt = exempt
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
                let idlest = state.open.compactMap { key, entry in entry.activity.idleSinceNanoseconds.map { (key, entry, $0) } }.min { $0.2 < $1.2 }
                guard let (key, entry, _) = idlest else { return (nil, "connection limit reached and no connection is idle") }
                state.open[key] = nil
                if let address = entry.address { state.perAddress[address, default: 1] -= 1 }
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
            state.perAddress[address, default: 1] -= 1
            if state.perAddress[address] == 0 { state.perAddress[address] = nil }
        }
    }

    var count: Int { state.withLock { $0.open.count } }
}
