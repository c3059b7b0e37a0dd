import Foundation
import ParleyCore
import Testing
@testable import ParleyMail

/// The fast reader of Parley's own notifications gives exactly GMime's text.
struct NotificationTextTests {
    static let texts = [
        "Ann commented on \"Trust\":\n\nShort.\n\n-- \none2one · https://liz.example.org/trust\nUnsubscribe: https://talk.example.org/u/abc",
        "Grüße aus Köln! 你好，世界 🌍 — «Confiance» se dit 信頼.\n" + String(repeating: "A long line that goes on and on, ", count: 12) + "\n",
        "Trailing spaces   \nFrom the start\n.\n=3D is not a code\n\tTabbed\n\n\n",
        "",
        "x",
        "Line one\r\nCRLF inside\rbare CR",
    ]

    static func mail(_ text: String, html: Bool, to: String = "ann@example.org") -> [UInt8] {
        MessageBuilder.build(OutgoingMail(
            from: EmailAddress(address: "talk@example.org", name: "one2one")!, to: EmailAddress(address: to, name: "Ann")!,
            replyTo: EmailAddress(address: "talk+abcdefghijklmnopqrstuvwxyz@example.org", name: nil)!, subject: "Re: “Trust”",
            messageID: "abc.c1@example.org", references: ["p1@example.org"], listID: "one2one <one2one.example.org>",
            unsubscribeURL: "https://talk.example.org/u/abc", unsubscribeMailto: "talk+u@example.org", date: Date(timeIntervalSince1970: 1_800_000_000),
            text: text, html: html ? "<p>" + text + "</p>" : nil))
    }

    @Test("every notification shape reads as GMime reads it", arguments: [false, true])
    func sameAsGMime(html: Bool) throws {
        for text in Self.texts {
            for to in ["ann@example.org", "zoë@exämple.org"] {  // the second: GMime writes the message
                let raw = Self.mail(text, html: html, to: to)
                let gmime = MailParser.parse(raw).text
                #expect(NotificationText.text(of: raw) == gmime, "\(text.debugDescription) to \(to)")
                if to == "ann@example.org" {
                    #expect(raw.withUnsafeBufferPointer(NotificationText.read) != nil, "Parley's own writer's bytes take the fast path")
                }
            }
        }
    }

    @Test("what is not Parley's own shape falls back to GMime")
    func fallback() {
        let raw = Array("From: a@b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u{00FC}\r\n".utf8)
        #expect(raw.withUnsafeBufferPointer(NotificationText.read) == nil)
        #expect(NotificationText.text(of: raw) == MailParser.parse(raw).text)
    }
}
