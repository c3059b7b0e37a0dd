import Foundation
import Testing
@testable import ParleyWebmention

/// Endpoint discovery as the Webmention Recommendation's discovery rules (and the
/// webmention.rocks discovery tests) put it, and reading a source page.
struct EndpointDiscoveryTests {
    let page = "https://blog.example/2026/12/post?x=1"

    @Test func linkHeaderWinsOverTheBody() {
        let html = #"<html><head><link rel="webmention" href="/from-body"></head></html>"#
        #expect(EndpointDiscovery.endpoint(linkHeaders: [#"</from-header>; rel="webmention""#], html: html, pageURL: page)
            == "https://blog.example/from-header")
    }

    @Test func headerForms() {
        // Unquoted rel, several rels, absolute URL, a comma inside the URL, another link first.
        #expect(EndpointDiscovery.endpoint(linkHeaders: ["<https://e.example/wm>; rel=webmention"], html: "", pageURL: page) == "https://e.example/wm")
        #expect(EndpointDiscovery.endpoint(linkHeaders: [#"<wm>; rel="webmention somethingelse""#], html: "", pageURL: page) == "https://blog.example/2026/12/wm")
        #expect(EndpointDiscovery.endpoint(linkHeaders: [#"</style.css>; rel="stylesheet", </a,b?c=1>; rel="WebMention""#], html: "", pageURL: page)
            == "https://blog.example/a,b?c=1")
        #expect(EndpointDiscovery.endpoint(linkHeaders: [#"</x>; rel="not-webmention""#], html: "", pageURL: page) == nil)
    }

    @Test func bodyLinkOrAnchorFirstInDocumentOrder() {
        let html = #"<html><head><title>t</title></head><body><p><a rel="webmention" href="/first">x</a></p><link rel="webmention" href="/second"></body></html>"#
        #expect(EndpointDiscovery.endpoint(linkHeaders: [], html: html, pageURL: page) == "https://blog.example/first")
        // Without href the element is no endpoint; an empty href is the page itself.
        let empty = #"<link rel="webmention"><link rel="webmention" href="">"#
        #expect(EndpointDiscovery.endpoint(linkHeaders: [], html: empty, pageURL: page) == page)
        // Query strings are kept; relative to the page after redirects.
        #expect(EndpointDiscovery.endpoint(linkHeaders: [], html: #"<link rel="webmention" href="wm?version=1">"#, pageURL: page)
            == "https://blog.example/2026/12/wm?version=1")
        // In a comment or a script it is not a link.
        #expect(EndpointDiscovery.endpoint(linkHeaders: [], html: #"<!-- <link rel="webmention" href="/c"> --><script>'<link rel="webmention" href="/s">'</script>"#, pageURL: page) == nil)
    }
}

struct MentionSourceTests {
    let target = "https://blog.example/2026/12/post/"

    @Test func hEntryWithAuthorCard() {
        let html = """
        <html><head><title>Page</title></head><body>
        <nav><a href="/">Home</a></nav>
        <article class="h-entry">
          <h1 class="p-name">On answering</h1>
          <a class="p-author h-card" href="https://zoe.example/"><span class="p-name">Zoë Ångström</span><img src="/me.jpg" alt=""></a>
          <time class="dt-published" datetime="2026-12-05T10:00:00+01:00">5 Dec</time>
          <div class="e-content"><p>I agree with <a href="https://www.blog.example/2026/12/post">this post</a>.</p><p>Second paragraph.</p></div>
          <div class="h-cite"><span class="p-author">Not the author</span></div>
        </article></body></html>
        """
        let s = MentionSource.read(html: html, pageURL: "https://zoe.example/notes/1", target: target)
        #expect(s.linksTarget)
        #expect(s.hasEntry)
        #expect(s.authorName == "Zoë Ångström")
        #expect(s.authorURL == "https://zoe.example/")
        #expect(s.content == "I agree with this post.\n\nSecond paragraph.")
        #expect(s.published == ISO8601DateFormatter().date(from: "2026-12-05T09:00:00Z"))
    }

    @Test func noLinkToTheTarget() {
        let html = #"<div class="h-entry"><p class="e-content">About <a href="https://blog.example/2026/12/other">another post</a></p></div>"#
        let s = MentionSource.read(html: html, pageURL: "https://zoe.example/n", target: target)
        #expect(!s.linksTarget)
        // Text that merely names the URL is no link either.
        #expect(!MentionSource.read(html: "<p>\(target)</p>", pageURL: "https://zoe.example/n", target: target).linksTarget)
    }

    @Test func relativeLinkAndPlainPage() {
        let html = #"<html><body><p>See <a href="/2026/12/post/#comments">there</a>.</p></body></html>"#
        let s = MentionSource.read(html: html, pageURL: "https://blog.example/elsewhere", target: target)
        #expect(s.linksTarget)
        #expect(!s.hasEntry)
        #expect(s.authorName == nil)
        #expect(s.content == "")
    }

    @Test func anAuthorNameThatIsAnAddressIsDropped() {
        let html = #"<div class="h-entry"><span class="p-author">zoe@example.org</span><a class="e-content" href="\#(target)">x</a></div>"#
        let s = MentionSource.read(html: html, pageURL: "https://zoe.example/n", target: target)
        #expect(s.linksTarget)
        #expect(s.authorName == nil)
    }

    @Test func latin1PageAndLongContent() {
        var bytes = Array(#"<div class="h-entry"><p class="p-author">Jos"#.utf8) + [0xE9] + Array(#"</p><div class="e-content"><a href="\#(target)">x</a> "#.utf8)
        bytes += Array(String(repeating: "word ", count: 1000).utf8) + Array("</div></div>".utf8)
        let s = MentionSource.read(bytes, pageURL: "https://zoe.example/n", target: target)
        #expect(s.authorName == "José")
        #expect(s.content.count == MentionSource.maximumContent + 1)
        #expect(s.content.hasSuffix("…"))
    }
}
