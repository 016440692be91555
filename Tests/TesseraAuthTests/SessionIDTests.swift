import Testing

@testable import TesseraAuth

/// Session ids appear on the operator's command line (`tessera session revoke ID`).
@Suite("Session ids")
struct SessionIDTests {
    @Test("session ids are 43 base64url characters, distinct, and never start with '-' (which the CLI would read as an option)")
    func neverAnOption() throws {
        // With a plain encoding, 2,000 ids would start with "-" about 31 times.
        let ids = try (0..<2000).map { _ in try SessionService.newSessionID() }
        #expect(ids.allSatisfy { $0.utf8.count == 43 && !$0.hasPrefix("-") })
        #expect(Set(ids).count == ids.count)
    }
}
