// `parley-bench build [N]`: the cost of building one notification
// (`MessageBuilder.build`), the step the ingest and fan-out paths run per recipient,
// and, for comparison, of the GMime path it replaced (still used for internationalised
// addresses). Reported in microseconds of this thread's CPU per message, over N builds.
import Foundation
import ParleyCore
@_spi(Benchmarks) import ParleyMail

enum BuildBench {
    static func run(_ args: [String]) {
        let count = args.first.flatMap(Int.init) ?? 20_000
        let body = "Liz, this is the best thing you have written on trust.\n\nI will answer with a post of my own next week; "
            + "until then, a few thoughts on the costs you list, one by one.\n" + String(repeating: "Trust is built slowly and spent quickly. ", count: 12)
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
        measure("MessageBuilder.build", mails, count, MessageBuilder.build)
        // The GMime path is ten times slower: a tenth of the builds give as steady a figure.
        measure("GMime path (for comparison)", mails, max(1, count / 10), MessageBuilder.buildWithGMime)
    }

    private static func measure(_ label: String, _ mails: [OutgoingMail], _ count: Int, _ build: (OutgoingMail) -> [UInt8]) {
        var size = 0
        for m in mails { size += build(m).count }  // warm-up, and the average size
        let before = threadCPUSeconds()
        for i in 0..<count { _ = build(mails[i % mails.count]) }
        let micros = (threadCPUSeconds() - before) * 1e6 / Double(count)
        print(String(format: "%@: %.1f µs per message (%.0f msgs per CPU-second), %d bytes on average, %d builds",
                     label, micros, 1e6 / micros, size / mails.count, count))
    }
}
