import Foundation
@testable import ParleyRelay
import ParleyTesting
import Testing

/// ``FanoutRenderer`` renders a notification template once per shape and substitutes
/// the per-recipient values; what it gives must be exactly what a full render gives.
@Suite("Fan-out rendering")
struct FanoutRenderingTests {
    nonisolated(unsafe) static let shared: [String: Any] = [
        "site": "one2one", "base_url": "https://talk.example.org", "post_title": "On <b>trust</b> & 'costs'",
        "post_url": "https://liz.example.org/p?a=1&b=2", "post_id": "p", "comments_url": "https://talk.example.org/posts/p/comments",
        "author": "Ann \"A.\" Håndley", "body": "Line one <script>\n\nLine two & three", "is_reply": true, "parent_author": "Liz",
    ]

    static let recipients: [(String, String, Bool)] = [
        ("Zoë <zoe@example.org>", "https://talk.example.org/unsubscribe/abc&d=\"e\"", false),
        ("O'Brien", "https://talk.example.org/unsubscribe/xyz", true),
        ("Reader 3", "https://talk.example.org/unsubscribe/q'r", false),
        ("", "https://talk.example.org/unsubscribe/empty-name", true),
    ]

    func check(shared: [String: Any], bodyHasMarkers: Bool = false) throws {
        let templates = try MailTemplates(directory: TestServers.repoRoot + "/templates")
        let renderer = FanoutRenderer(templates: templates, shared: shared, keys: Notifier.recipientKeys, recipients: Self.recipients.count)
        for (name, url, toYou) in Self.recipients {
            for template in ["new-comment.txt", "new-comment.html", "new-post.txt", "new-post.html"] {
                var context = shared
                context["recipient"] = name
                context["unsubscribe_url"] = url
                context["to_you"] = toYou
                let fast = renderer.render(template, values: ["recipient": name, "unsubscribe_url": url], flags: ["to_you": toYou])
                #expect(fast == templates.render(template, context), "\(template) for \(name)")
                if !bodyHasMarkers { #expect(!fast.contains(FanoutRenderer.open) && !fast.contains(FanoutRenderer.close)) }
            }
        }
        // Every recipient with a name went by substitution, unless the shared values hold a marker.
        #expect(renderer.substituted == (bodyHasMarkers ? 0 : 4 * (Self.recipients.count - 1)))
    }

    @Test("substituted per-recipient values equal a full render per recipient, HTML escaping and flags included")
    func sameAsFullRender() throws {
        try check(shared: Self.shared)
    }

    @Test("a marker character in the shared values falls back to full renders with the same result")
    func markerCharacterInBody() throws {
        var shared = Self.shared
        shared["body"] = "Private use \u{F8F0}0&\u{F8F1} in a comment"
        try check(shared: shared, bodyHasMarkers: true)
    }
}
