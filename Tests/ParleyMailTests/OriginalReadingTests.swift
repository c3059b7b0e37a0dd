import Testing
@testable import ParleyMail

/// Reading a reply against the notification it answers (issue 18): the cases the
/// heuristic reading gets wrong, and that the original-based reading must get right.
struct OriginalReadingTests {
    static let comment = """
        I have been writing letters for thirty years, and I still think the slow
        answer is the better one.

        Do you keep copies of the letters you send?
        """

    /// A comment notification, as templates/new-comment.txt renders it.
    static let commentNotification = """
        Ann Reader replied to you on "On letters":

        \(comment)

        Reply to this email to answer Ann Reader. All comments: https://talk.example.org/posts/letters/comments

        -- 
        one2one · https://liz.example.org/letters
        Unsubscribe: https://talk.example.org/unsubscribe/abcdefghijklmnopqrstuvwxyz234567
        """

    /// A post notification, as templates/new-post.txt renders it.
    static let postNotification = """
        Dawud Miracle published a new post in your conversation:

          On trust
          https://dawud.example.com/2026/12/trust/

        Here's an excerpt:

          Trust is built in small steps, one kept promise after another, and it is lost all at once.

        Read it all: https://dawud.example.com/2026/12/trust/

        Reply to this email to comment; your words appear under the post.

        -- 
        one2one · You get this because you take part in this conversation.
        Unsubscribe: https://talk.example.org/unsubscribe/abcdefghijklmnopqrstuvwxyz234567
        """
    static let excerpt = "Trust is built in small steps, one kept promise after another, and it is lost all at once."

    static func quoted(_ text: String, marker: String = "> ") -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : marker + $0 }.joined(separator: "\n")
    }

    @Test("an inline answer below the notification's headline drops the headline (Parley's boilerplate)")
    func inlineBelowBoilerplate() throws {
        let reply = """
            > Dawud Miracle published a new post in your conversation:
            I read it twice. You are right about small steps.

            >
            >   On trust
            >   https://dawud.example.com/2026/12/trust/
            >
            > Here's an excerpt:
            >
            >   Trust is built in small steps, one kept promise after another, and it is lost all at once.
            >
            > Read it all: https://dawud.example.com/2026/12/trust/
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.postNotification, answered: Self.excerpt))
        #expect(read.text == "I read it twice. You are right about small steps.")
        // The heuristic keeps the quoted headline as the inline answer's context.
        #expect(ReplyExtractor.extract(reply).text.contains("published a new post"))
    }

    @Test("inline answers to a comment keep the answered lines as a quote above each answer, never the boilerplate")
    func inlineAnswersToAComment() throws {
        let reply = """
            Ann Reader <ann@example.org> wrote:
            > Ann Reader replied to you on "On letters":
            >
            > I have been writing letters for thirty years, and I still think the slow
            > answer is the better one.

            So do I. Slow is kind.

            >
            > Do you keep copies of the letters you send?

            Every one, in a shoebox.

            >
            > Reply to this email to answer Ann Reader. All comments: https://talk.example.org/posts/letters/comments
            >
            > -- 
            > one2one · https://liz.example.org/letters
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == """
            > I have been writing letters for thirty years, and I still think the slow
            > answer is the better one.

            So do I. Slow is kind.

            > Do you keep copies of the letters you send?

            Every one, in a shoebox.
            """)
        #expect(read.elided.contains("wrote:") && read.elided.contains("Unsubscribe") == false && read.elided.contains("Reply to this email"))
    }

    @Test("alpine: the signature above the attribution, the answer below the quote; the answer is kept, the signature dropped")
    func alpineSignatureAboveAttribution() throws {
        let reply = """

            -- 
            Liz Strauss
            https://liz.example.org

            On Mon, 7 Dec 2026, Ann Reader wrote:

            \(Self.quoted(Self.commentNotification))

            Yes: every letter I send is copied by hand into a notebook first.
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == "Yes: every letter I send is copied by hand into a notebook first.")
        #expect(read.elided.contains("Liz Strauss"))
        // The heuristic stops at the signature: nothing is left, and the reply would be refused.
        #expect(ReplyExtractor.extract(reply).text.isEmpty)
    }

    @Test("a signature between two answers goes; the answers around it stay")
    func signatureBetweenAnswers() throws {
        let reply = """
            > I have been writing letters for thirty years, and I still think the slow
            > answer is the better one.
            Agreed.
            -- 
            Liz
            > Do you keep copies of the letters you send?
            Always.
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == """
            > I have been writing letters for thirty years, and I still think the slow
            > answer is the better one.

            Agreed.

            > Do you keep copies of the letters you send?

            Always.
            """)
    }

    @Test("Outlook: a header block and the original pasted without quote markers, re-wrapped")
    func outlookWithoutMarkers() throws {
        let reply = """
            Thank you, Ann. I keep them all.

            ________________________________
            From: one2one <talk@example.org>
            Sent: Monday, December 7, 2026 9:14 AM
            To: Liz Strauss <liz@example.org>
            Subject: Ann Reader replied to you on "On letters"

            Ann Reader replied to you on "On letters":

            I have been writing letters for thirty years, and I still think the slow answer is the better one.

            Do you keep copies of the letters you send?

            Reply to this email to answer Ann Reader. All comments: https://talk.example.org/posts/letters/comments

            --
            one2one · https://liz.example.org/letters
            Unsubscribe: https://talk.example.org/unsubscribe/abcdefghijklmnopqrstuvwxyz234567
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == "Thank you, Ann. I keep them all.")
    }

    @Test("re-wrapped, nested and |-marked quotes, a last word cut short, other charsets' punctuation: still the original")
    func mangledQuotes() throws {
        let reply = """
            Short answer: yes.

            | I have been writing letters for thirty years, and I still
            | think the slow answer is the better
            > > Do you keep copies of the letters you se…
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == "Short answer: yes.")
    }

    @Test("a one-word or emoji answer is text; a line that repeats a few of the original's words without quoting them is text")
    func shortAnswersAreText() throws {
        let reply = """
            👍
            Yes.
            I still think the slow answer wins.

            > Do you keep copies of the letters you send?
            """
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text == "👍\nYes.\nI still think the slow answer wins.")
    }

    @Test("nothing lines up (no quote at all, or another message): nil, so the heuristic reads it")
    func nothingLinesUp() {
        #expect(OriginalReading.read(reply: "Just my answer.\n\nLiz", original: Self.commentNotification, answered: Self.comment) == nil)
        #expect(OriginalReading.read(reply: "Hi\n\n> Something else entirely was said here.", original: Self.commentNotification, answered: nil) == nil)
    }

    @Test("only the original and a signature: nothing new")
    func nothingNew() throws {
        let reply = "\n-- \nLiz\n\n" + Self.quoted(Self.commentNotification)
        let read = try #require(OriginalReading.read(reply: reply, original: Self.commentNotification, answered: Self.comment))
        #expect(read.text.isEmpty)
    }
}
