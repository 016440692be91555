import TesseraAuth
import Testing

@Suite("Contract: key usage")
struct KeyUsageContractTests {
    @Test("verifications per kid reach the store: added across flushes and instances, never counted twice", arguments: StoreKind.available)
    func keyUsage(_ kind: StoreKind) async throws {
        try await Harness.with(kind) { h in
            _ = try await h.user()
            let login = try await h.login(try await h.webClient())
            for _ in 0..<3 { _ = try h.tokens.accessTokens.verify(login.accessToken) }
            #expect(throws: (any Error).self) { try h.tokens.accessTokens.verify(login.accessToken + "x") }
            try await h.tokens.accessTokens.keyUsage.flush(to: h.store)
            h.clock.advance(60)
            let second = h.secondInstance()
            _ = try second.accessTokens.verify(login.accessToken)
            try await second.accessTokens.keyUsage.flush(to: h.store)
            try await h.tokens.accessTokens.keyUsage.flush(to: h.store)
            let uses = try await h.store.read { try await $0.keyUses() }
            #expect(uses == ["k1": KeyUse(verifications: 4, lastUsedAt: Int64(h.clock.now))])
        }
    }
}
