import Foundation
import ParleyCore
import ParleyRelay
import ParleyStore
import ParleyTesting

/// A small RSS 2.0 feed written the way WordPress writes one, newest entry first.
struct TestFeed {
    struct Item {
        var guid: String
        var title: String
        var link: String
        var date: String
        var categories: [String] = ["one2one"]
        var content: String = "<p>Some words of the post.</p>"
    }

    var title: String
    var link: String
    var items: [Item]

    var xml: String {
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>\(title)</title><link>\(link)</link><description>A blog</description>

        """
        for i in items {
            out += "<item><title>\(i.title)</title><link>\(i.link)</link><guid isPermaLink=\"false\">\(i.guid)</guid>"
            out += "<pubDate>\(i.date)</pubDate>"
            for c in i.categories { out += "<category><![CDATA[\(c)]]></category>" }
            out += "<content:encoded><![CDATA[\(i.content)]]></content:encoded></item>\n"
        }
        return out + "</channel></rss>\n"
    }
}

extension RelayHarness {
    /// A harness whose config has one `[[blog]]` per (name, feed URL, author).
    /// `conversation`: the blogs' conversation (the test makes it), or none.
    init(blogs: [(name: String, url: String, author: String)], conversation: String? = nil, category: String = "one2one",
         extra: String = "") throws {
        try self.init(edit: { toml in
            var text = toml
            for b in blogs {
                text += """

                [[blog]]
                name = "\(b.name)"
                feed_url = "\(b.url)"
                author = "\(b.author)"
                \(conversation.map { "conversation = \"\($0)\"" } ?? "")
                category = "\(category)"
                poll_interval = "1s"
                timeout = "3s"
                \(extra)

                """
            }
            return text
        })
    }

    func outbound(kind: String? = nil) throws -> [OutboundRecord] {
        try relay.store.read { try $0.outbound(limit: 10_000) }.filter { kind == nil || $0.kind == kind }
    }
}
