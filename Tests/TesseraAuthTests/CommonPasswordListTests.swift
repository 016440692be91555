import Testing

@testable import TesseraAuth

@Suite("Common-password list")
struct CommonPasswordListTests {
    @Test("zxcvbn's 30,000 most common passwords, each stored in the folded form passwords are compared in")
    func listIsComplete() {
        #expect(CommonPasswords.entries.count == 30_000)
        #expect(CommonPasswords.entries.allSatisfy { $0 == $0.foldedForComparison && !$0.isEmpty })
        // The head and the tail of the source list (zxcvbn data/passwords.txt, lines 1 and 30,000).
        #expect(CommonPasswords.contains("123456") && CommonPasswords.contains("vasilina"))
    }
}
