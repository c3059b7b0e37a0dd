import Foundation
@testable import ParleyRelay
import ParleyTesting
import Testing

/// ``FanoutRenderer`` renders notification templates from plans kept across messages and
/// substitutes the values; what it gives must be exactly what a full render gives.
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

    static let notificationTemplates = ["new-comment.txt", "new-comment.html", "new-post.txt", "new-post.html"]

    func check(shared: [String: Any], bodyHasMarkers: Bool = false) throws {
        let templates = try MailTemplates(directory: TestServers.repoRoot + "/templates")
        let renderer = FanoutRenderer(templates: templates, shared: shared)
        for (name, url, toYou) in Self.recipients {
            for template in Self.notificationTemplates {
                var context = shared
                context["recipient"] = name
                context["unsubscribe_url"] = url
                context["to_you"] = toYou
                let fast = renderer.render(template, values: ["recipient": name, "unsubscribe_url": url], flags: ["to_you": toYou])
                #expect(fast == templates.render(template, context), "\(template) for \(name)")
                if !bodyHasMarkers { #expect(!fast.contains(FanoutRenderer.open) && !fast.contains(FanoutRenderer.close)) }
            }
        }
        // Every recipient went by a plan (an empty name too: emptiness is part of the
        // shape), unless the shared values hold a marker character.
        #expect(renderer.substituted == (bodyHasMarkers ? 0 : 4 * Self.recipients.count))
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

    @Test("one recipient per message (an ingest's replies) renders from a plan made once for all messages")
    func singleRecipientUsesCachedPlan() throws {
        let templates = try MailTemplates(directory: TestServers.repoRoot + "/templates")
        for n in 0..<50 {
            var shared = Self.shared
            shared["author"] = "Writer \(n) <w\(n)@example.org>"
            shared["body"] = "Reply number \(n): a < b & \"c\"\n\n-- \nsig"
            shared["parent_author"] = "Parent \(n)"
            let renderer = FanoutRenderer(templates: templates, shared: shared)
            for template in ["new-comment.txt", "new-comment.html"] {
                let values = ["recipient": "Reader \(n)", "unsubscribe_url": "https://talk.example.org/unsubscribe/t\(n)"]
                var context = shared
                for (k, v) in values { context[k] = v }
                context["to_you"] = true
                #expect(renderer.render(template, values: values, flags: ["to_you": true]) == templates.render(template, context))
            }
            #expect(renderer.substituted == 2)
        }
        // One marked render per template for all 50 messages.
        #expect(templates.plans.built == 2)
    }

    // MARK: - Equivalence with random contexts

    /// Templates that try the plan's limits; each is rendered beside the real ones.
    static let adversarial: [String: String] = [
        "sections": """
            {{#author}}[{{.}}|{{author}}|{{{.}}}|{{&.}}]{{/author}}{{^author}}no author{{/author}}
            {{#body}}{{count}}<{{site}}>{{/body}}{{^parent_author}}none{{/parent_author}}{{#post_id}}{{#is_reply}}R{{/is_reply}}{{/post_id}}
            {{&post_title}}{{{body}}}<a href="{{post_url}}" title='{{post_title}}'>{{post_title}}</a>
            {{author.count}}{{author._guts}}{{author.isEmpty}}{{#to_you}}{{recipient}}{{/to_you}}{{^to_you}}{{{recipient}}}{{/to_you}}
            {{! a comment }}{{missing}}{{#missing}}x{{/missing}}{{^missing}}y{{/missing}}{{unsubscribe_url}}
            """,
        "transform": "{{uppercased(author)}} {{body}} {{#empty(parent_author)}}E{{/empty(parent_author)}}{{recipient}}\n",
        "transform-in-partial": "Top {{site}}\n{{>transform}}\n",
        "partials": "Hello {{recipient}}\n  {{>part}}\n{{body}}|\n\t{{>part}}{{author}}\n",
        "part": "{{author}}\n{{body}}\n{{#is_reply}}{{parent_author}}\n{{/is_reply}}end {{recipient}}\n",
        "inherit": "{{<layout}}{{$content}}{{body}}\n{{author}}{{/content}}{{/layout}}\n{{post_title}}",
        "layout": "<main>\n  {{$content}}default{{/content}}\n  {{$other}}{{site}}\n{{/other}}\n</main>{{recipient}}",
        "text-pragma": "{{%CONTENT_TYPE: TEXT}}\n{{body}} {{author}} {{{post_title}}}\n{{%CONTENT_TYPE: PARLEY_HTML}}{{body}}",
        "html-pragma": "{{%CONTENT_TYPE: HTML}}\n{{body}} {{{author}}}",
        "private-use": "x\u{F8F0}0&<\u{301}\u{F8F1}{{author}}",
        "dynamic-partial": "{{>*site}} {{author}}",
        "delimiters": "{{=<% %>=}}<%author%> <%body%>",
    ]

    /// Templates a plan must never be used for. (`html-pragma` may take one when `body`, the
    /// only value it escapes, is empty.)
    static let unplannable: Set<String> = ["transform", "transform-in-partial", "private-use", "dynamic-partial", "delimiters"]

    static let fragments = [
        "<", ">", "&", "\"", "'", "abc", " ", "é", "e\u{301}", "\u{301}", "<\u{301}", "&amp;", "👍🏽", "\n", "\r\n", "\r",
        "  ", "\t", "0", "12", "{{x}}", "}}", "part", "日本語", "\u{F8F0}", "\u{F8F1}", "\u{F8F0}0&<\u{301}\u{F8F1}",
        "\u{F8F0}0&amp;&lt;\u{301}\u{F8F1}", "\u{0}", "https://example.org/?a=1&b=2",
    ]

    static let stringKeys = ["site", "base_url", "post_title", "post_url", "post_id", "comments_url", "author", "body",
                             "parent_author", "recipient", "unsubscribe_url"]

    static func randomString(_ rng: inout SplitMix64) -> String {
        if Int.random(in: 0..<6, using: &rng) == 0 { return "" }
        var s = ""
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            var fragment = fragments.randomElement(using: &rng)!
            // Marker characters in a value are rare, so that most renders take the plan.
            while FanoutRenderer.hasMarkerCharacter(fragment) && Int.random(in: 0..<32, using: &rng) != 0 {
                fragment = fragments.randomElement(using: &rng)!
            }
            s += fragment
        }
        return s
    }

    static func randomContext(_ rng: inout SplitMix64) -> [String: Any] {
        var context: [String: Any] = [:]
        for key in stringKeys where Int.random(in: 0..<12, using: &rng) != 0 {
            context[key] = randomString(&rng)
        }
        for key in ["is_reply", "to_you"] where Int.random(in: 0..<8, using: &rng) != 0 {
            context[key] = Bool.random(using: &rng)
        }
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: context["post_id"] = 42  // not a String: rendered in full
        case 1: context["author"] = Optional("Ann")  // an Optional is not exactly a String
        case 2: context["is_reply"] = ["a", "b"]
        default: break
        }
        return context
    }

    static func templatesWithAdversarial() throws -> MailTemplates {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-fanout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = TestServers.repoRoot + "/templates"
        for file in try FileManager.default.contentsOfDirectory(atPath: real) where file.hasSuffix(".mustache") {
            try FileManager.default.copyItem(atPath: real + "/" + file, toPath: dir + "/" + file)
        }
        for (name, text) in adversarial {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name + ".mustache"))
        }
        return try MailTemplates(directory: dir)
    }

    @Test("random contexts render from plans exactly as in full, real and adversarial templates", arguments: [1, 2, 3, 4] as [UInt64])
    func randomEquivalence(seed: UInt64) throws {
        let templates = try Self.templatesWithAdversarial()
        var rng = SplitMix64(seed: seed)
        var planned: [String: Int] = [:]
        let names = Self.notificationTemplates + Self.adversarial.keys.sorted()
        for _ in 0..<300 {
            let context = Self.randomContext(&rng)
            for name in names {
                let renderer = FanoutRenderer(templates: templates, shared: context)
                let fast = renderer.render(name, values: [:], flags: [:])
                let full = templates.render(name, context)
                #expect(Array(fast.utf8) == Array(full.utf8), "\(name) with \(context)")
                planned[name, default: 0] += renderer.substituted
                if name == "html-pragma" && renderer.substituted > 0 {
                    #expect((context["body"] as? String ?? "").isEmpty, "the library's own HTML escaping is not planned")
                }
            }
        }
        for name in names {
            if name == "html-pragma" {
                continue
            } else if Self.unplannable.contains(name) {
                #expect(planned[name, default: 0] == 0, "\(name) must always render in full")
            } else {
                #expect(planned[name, default: 0] > 30, "\(name) went by a plan \(planned[name, default: 0]) times in 300")
            }
        }
    }

    @Test("renders from several threads at once share the plans and agree with full renders")
    func concurrentRenders() throws {
        let templates = try Self.templatesWithAdversarial()
        nonisolated(unsafe) let contexts: [[String: Any]] = {
            var rng = SplitMix64(seed: 99)
            return (0..<64).map { _ in Self.randomContext(&rng) }
        }()
        let mismatches = NSLock()
        nonisolated(unsafe) var bad: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (i, context) in contexts.enumerated() {
                let name = Self.notificationTemplates[(i + worker) % Self.notificationTemplates.count]
                let renderer = FanoutRenderer(templates: templates, shared: context)
                if renderer.render(name, values: [:], flags: [:]) != templates.render(name, context) {
                    mismatches.withLock { bad.append(name) }
                }
            }
        }
        #expect(bad.isEmpty)
    }
}
