import ParleyTesting
import Testing
@testable import ParleyCurl

@Suite("IMAP syntax: UID sets")
struct IMAPSyntaxTests {
    @Test("consecutive UIDs are one range however many; scattered ones split into sets of bounded length that cover every UID once")
    func sequenceSets() {
        #expect(IMAPSyntax.sequenceSets(Array(1...25_000), maxLength: 8_000) == ["1:25000"])
        #expect(IMAPSyntax.sequenceSets([9, 1, 2, 3, 7], maxLength: 8_000) == ["1:3,7,9"])
        #expect(IMAPSyntax.sequenceSets([], maxLength: 8_000).isEmpty)

        var rng = SplitMix64(seed: TestSeed.make("sequenceSets"))
        let scattered = (0..<5_000).map { UInt32($0 * 2 + 100_000) }
        let sets = IMAPSyntax.sequenceSets(scattered.shuffled(using: &rng), maxLength: 8_000)
        #expect(sets.count > 1)
        #expect(sets.allSatisfy { $0.utf8.count <= 8_000 })
        #expect(sets.flatMap { IMAPSyntax.sequenceSet(Substring($0)) } == scattered)
    }
}
