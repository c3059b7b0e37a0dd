import Foundation
@testable import ParleyMail
import Testing

@Suite("RFC 5322 dates")
struct MessageBuilderDateTests {
    @Test("date-time in UTC, RFC 5322 §3.3", arguments: [
        (1_795_687_200.0, "Thu, 26 Nov 2026 10:00:00 +0000"),
        (0.0, "Thu, 01 Jan 1970 00:00:00 +0000"),
        (951_782_400.0, "Tue, 29 Feb 2000 00:00:00 +0000"),
        (1_735_689_599.5, "Tue, 31 Dec 2024 23:59:59 +0000"),
    ])
    func format(_ seconds: Double, _ expected: String) {
        #expect(MessageBuilder.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
