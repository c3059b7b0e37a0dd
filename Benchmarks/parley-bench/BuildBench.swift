// `parley-bench build [N]`: the cost of building one notification with GMime
// (`MessageBuilder.build`), the step the ingest and fan-out paths run per recipient.
// Reported in microseconds of this thread's CPU per message, over N builds.
import Foundation
import ParleyCore
import ParleyMail

enum BuildBench {
    static func run(_ args: [String]) {
        let count = args.first.flatMap(Int.init) ?? 20_000
        let body = "Liz, this is the best thing you have written on trust.\n\nI will answer with a post of my own next week; "
            + "until then, a few thoughts on the costs you list, one by one.\n" + String(repeating: "Trust is built slowly and spent quickly. ", count: 12)
        var size = 0
        func mail(_ i: Int) -> OutgoingMail {
            OutgoingMail(
                from: EmailAddress(address: "talk@example.org", name: "one2one")!,
                to: EmailAddress(address: "reader\(i)@example.org", name: i % 3 == 0 ? "Zoë Ångström \(i)" : "Reader \(i)")!,
                replyTo: EmailAddress(address: "talk+c\(i)abcdefghijklmnop@example.org", name: "one2one")!,
                subject: i % 4 == 0 ? "Re: Über Vertrauen — und was es kostet" : "Re: On trust, and what it costs",
                messageID: "c\(i)abcdefghijklmnop.QWERTYUI@example.org",
                references: ["parley.post.1@example.org", "parley.comment.\(i)@example.org"],
                listID: "one2one <one2one.example.org>",
                unsubscribeURL: "https://talk.example.org/unsubscribe/c\(i)abcdefghijklmnop",
                unsubscribeMailto: "mailto:talk+unsubscribe-c\(i)abcdefghijklmnop@example.org?subject=unsubscribe",
                date: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)),
                text: "Hello Reader \(i),\n\nAnn Handley answered on one2one:\n\n" + body + "\n\n-- \nReply to this email to answer.\n",
                html: "<!doctype html><html><body><p>Hello Reader \(i),</p><p>Ann Handley answered:</p><blockquote><p>"
                    + body.replacingOccurrences(of: "\n", with: "<br>") + "</p></blockquote><p>-- <br>Reply to this email to answer.</p></body></html>")
        }
        let mails = (0..<100).map(mail)
        for m in mails { size += MessageBuilder.build(m).count }
        let before = threadCPUSeconds()
        for i in 0..<count { _ = MessageBuilder.build(mails[i % mails.count]) }
        let micros = (threadCPUSeconds() - before) * 1e6 / Double(count)
        print(String(format: "MessageBuilder.build: %.1f µs per message (%.0f msgs per CPU-second), %d bytes on average, %d builds",
                     micros, 1e6 / micros, size / mails.count, count))
    }
}
