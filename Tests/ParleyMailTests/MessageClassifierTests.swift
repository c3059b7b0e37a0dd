// Classifier tests: realistic fixtures from real mail systems, plus focused unit tests for
// the parts (delivery-status parsing, commands, subjects, addresses) and for robustness.

import Foundation
import ParleyTesting
import Testing
@testable import ParleyMail

/// The addresses Parley would configure: sender, reply-address base, bounce address.
private let classifier = MessageClassifier(ownAddresses: [
    "Parley <comments@parley.example>", "reply@parley.example", "bounces@parley.example",
])

/// A fixture read exactly as the daemon reads incoming mail: its MIME parser, then the
/// reply extractor and the classifier (`ReadReply`, which the daemon's reader calls).
private func classify(_ name: String) throws -> MailClassification {
    let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/classify/\(name).eml")
    return ReadReply(MailParser.parse([UInt8](try Data(contentsOf: url))), classifier: classifier).classification
}

private func bounceReport(_ name: String) throws -> BounceReport? {
    if case .bounce(let report) = try classify(name) { return report }
    return nil
}

struct ClassifierFixtureCase: CustomTestStringConvertible, Sendable {
    let fixture: String
    let expected: String
    let recipient: String?
    let status: String?
    var testDescription: String { fixture }

    init(_ fixture: String, _ expected: String, _ recipient: String? = nil, _ status: String? = nil) {
        self.fixture = fixture
        self.expected = expected
        self.recipient = recipient
        self.status = status
    }
}

private let classifierFixtureTable: [ClassifierFixtureCase] = [
    ClassifierFixtureCase("bounce-postfix", "bounce", "old.user@example.net", "5.1.1"),
    ClassifierFixtureCase("bounce-exim", "bounce", "jan@closed.example", "5.0.0"),
    ClassifierFixtureCase("bounce-office365", "bounce", "p.smith@contoso.com", "5.1.10"),
    ClassifierFixtureCase("bounce-gmail", "bounce", "nosuchperson1987@gmail.com", "5.1.1"),
    ClassifierFixtureCase("bounce-qmail", "bounce", "karl.meyer@oldisp.example", "5.1.1"),
    ClassifierFixtureCase("bounce-sendmail-delayed", "bounce", "anna@slowhost.example", "4.4.7"),
    ClassifierFixtureCase("bounce-plain-text", "bounce", "lena@full.example", "5.2.2"),
    ClassifierFixtureCase("bounce-postfix-multi", "bounce", "ann@example.org", "5.1.1"),
    ClassifierFixtureCase("autoreply-gmail-vacation", "auto-reply"),
    ClassifierFixtureCase("autoreply-exchange-oof", "auto-reply"),
    ClassifierFixtureCase("autoreply-x-autoreply", "auto-reply"),
    ClassifierFixtureCase("autoreply-precedence-bulk", "auto-reply"),
    ClassifierFixtureCase("autoreply-abwesenheitsnotiz", "auto-reply"),
    ClassifierFixtureCase("autoreply-russian", "auto-reply"),
    ClassifierFixtureCase("autoreply-read-receipt", "auto-reply"),
    ClassifierFixtureCase("command-approve", "command"),
    ClassifierFixtureCase("command-reject", "command"),
    ClassifierFixtureCase("command-unsubscribe-subject", "command"),
    ClassifierFixtureCase("command-stop", "command"),
    ClassifierFixtureCase("reply-plain", "reply"),
    ClassifierFixtureCase("reply-german-outlook", "reply"),
    ClassifierFixtureCase("reply-token-only", "reply"),
    ClassifierFixtureCase("reply-stop-in-sentence", "reply"),
    ClassifierFixtureCase("other-new-mail", "other"),
    ClassifierFixtureCase("loop-own-from", "loop"),
    ClassifierFixtureCase("loop-origin-header", "loop"),
]

@Suite("MessageClassifier fixtures")
struct MessageClassifierFixtureTests {
    @Test("classifies fixture", arguments: classifierFixtureTable)
    func classifiesFixture(_ row: ClassifierFixtureCase) throws {
        let result = try classify(row.fixture)
        #expect(result.name == row.expected)
        if case .bounce(let report) = result {
            #expect(report.recipient == row.recipient)
            #expect(report.status == row.status)
        } else {
            #expect(row.recipient == nil && row.status == nil, "expected a bounce report")
        }
    }

    @Test func postfixBounceDetails() throws {
        let report = try #require(try bounceReport("bounce-postfix"))
        #expect(report.action == "failed")
        #expect(report.isPermanent)
        #expect(report.diagnostic == "550 5.1.1 <olduser@example.org>: Recipient address rejected: User unknown in virtual mailbox table")
        #expect(report.originalMessageID == "n.7f3a9c2e01.1731399242@parley.example")
    }

    @Test("a report for several recipients names every failed one; the first failed is the recipient")
    func multiRecipientReport() throws {
        let report = try #require(try bounceReport("bounce-postfix-multi"))
        #expect(report.recipient == "ann@example.org")
        #expect(report.failedRecipients == ["ann@example.org", "bob@example.org"], "not the delayed one")
        #expect(report.isPermanent && report.status == "5.1.1")
        #expect(report.originalMessageID == "n.77aa88bb99.1796627640@parley.example")
        #expect(try bounceReport("bounce-postfix")?.failedRecipients == ["old.user@example.net"])
        #expect(try bounceReport("bounce-sendmail-delayed")?.failedRecipients == [])
    }

    @Test func multiLineSMTPReplyIsJoined() throws {
        let report = try #require(try bounceReport("bounce-gmail"))
        #expect(report.diagnostic == "550 5.1.1 The email account that you tried to reach does not exist. Please try "
            + "double-checking the recipient's email address for typos or unnecessary spaces. For more information, "
            + "go to https://support.google.com/mail/?p=NoSuchUser 38308e7fff4ca-2ff7cd5b9c1sor1234567fa.1 - gsmtp")
    }

    @Test func delayedWarningIsNotPermanent() throws {
        let report = try #require(try bounceReport("bounce-sendmail-delayed"))
        #expect(report.action == "delayed")
        #expect(!report.isPermanent)
        #expect(report.originalMessageID == "n.beefbeef01.1731803380@parley.example")
    }

    @Test func returnedMessageIDsAreFound() throws {
        #expect(try bounceReport("bounce-exim")?.originalMessageID == "n.51d0aa77be.1731517360@parley.example")
        #expect(try bounceReport("bounce-office365")?.originalMessageID == "n.c0ffee1234.1731579690@parley.example")
        #expect(try bounceReport("bounce-gmail")?.originalMessageID == "n.0a1b2c3d4e.1731672300@parley.example")
        #expect(try bounceReport("bounce-qmail")?.originalMessageID == "n.99aa00bb11.1731745810@parley.example")
        #expect(try bounceReport("bounce-plain-text")?.originalMessageID == "n.1234abcd99.1731926700@parley.example")
    }

    @Test func nonStandardBouncesArePermanentFromTheirText() throws {
        let qmail = try #require(try bounceReport("bounce-qmail"))
        #expect(qmail.isPermanent)
        #expect(qmail.action == nil)
        // The status quoted in the returned copy (550 5.7.1) must not win over the report's.
        #expect(qmail.diagnostic == "Sorry, no mailbox here by that name. (#5.1.1)")
    }

    @Test func autoReplyReasons() throws {
        #expect(try classify("autoreply-gmail-vacation") == .autoReply(reason: "Auto-Submitted: auto-replied"))
        #expect(try classify("autoreply-exchange-oof") == .autoReply(reason: "Auto-Submitted: auto-generated"))
        #expect(try classify("autoreply-x-autoreply") == .autoReply(reason: "X-Autoreply: yes"))
        #expect(try classify("autoreply-precedence-bulk") == .autoReply(reason: "Precedence: bulk"))
        #expect(try classify("autoreply-abwesenheitsnotiz") == .autoReply(reason: "out-of-office subject"))
    }

    @Test func commandsAreParsed() throws {
        #expect(try classify("command-approve") == .command(.approve))
        #expect(try classify("command-reject") == .command(.reject))
        #expect(try classify("command-unsubscribe-subject") == .command(.unsubscribe))
        #expect(try classify("command-stop") == .command(.stop))
    }
}

@Suite("MessageClassifier rules")
struct MessageClassifierRuleTests {
    private func mail(_ headers: [(String, String)], text: String? = nil) -> ParsedMail {
        ParsedMail(headers: headers.map { MailHeader(name: $0.0, value: $0.1) }, text: text)
    }

    @Test func ownSubaddressIsALoop() {
        let m = mail([("From", "Parley <REPLY+abc@parley.example>"), ("Subject", "hello")])
        #expect(classifier.classify(m, trimmedText: "hi") == .loop)
    }

    @Test func lookalikeOfOwnAddressIsNotALoop() {
        let m = mail([("From", "replyguy@parley.example"), ("Subject", "hello")])
        #expect(classifier.classify(m, trimmedText: "hi") == .other)
    }

    @Test func suppressHeaderAloneIsNotAnAutoReply() {
        let m = mail([("From", "a@b.example"), ("Subject", "Re: x"), ("X-Auto-Response-Suppress", "All")])
        #expect(classifier.classify(m, trimmedText: "text") == .reply)
    }

    @Test func exchangeRulesLoopAloneIsNotAnAutoReply() {
        let m = mail([("From", "a@b.example"), ("Subject", "Re: x"), ("X-MS-Exchange-Inbox-Rules-Loop", "a@b.example")])
        #expect(classifier.classify(m, trimmedText: "text") == .reply)
    }

    @Test func exchangeRuleReplyIsAnAutoReply() {
        let m = mail([("From", "a@b.example"), ("Subject", "Re: x"),
                      ("X-MS-Exchange-Inbox-Rules-Loop", "a@b.example"), ("X-Auto-Response-Suppress", "All")])
        #expect(classifier.classify(m, trimmedText: "text").name == "auto-reply")
    }

    @Test func autoSubmittedNoIsNotAnAutoReply() {
        let m = mail([("From", "a@b.example"), ("Subject", "Re: x"), ("Auto-Submitted", "no")])
        #expect(classifier.classify(m, trimmedText: "text") == .reply)
    }

    @Test(arguments: [
        "Out of Office AutoReply: New comment", "Automatic reply: New comment", "Auto: New comment",
        "Automatische Antwort: Neuer Kommentar", "Réponse automatique : Nouveau commentaire",
        "Absence du bureau", "Respuesta automática: Nuevo comentario", "Fuera de la oficina",
        "Risposta automatica: Nuovo commento", "Fuori sede", "Automatisch antwoord: Nieuwe reactie",
        "Afwezig: Nieuwe reactie", "Autosvar: Ny kommentar", "Poza biurem", "Автоматический ответ: x",
        "自動応答: 新しいコメント", "自动回复: 新评论", "Resposta automática: Novo comentário",
        "John Smith is out of the office.",
    ])
    func outOfOfficeSubjects(_ subject: String) {
        let m = mail([("From", "a@b.example"), ("Subject", subject)])
        #expect(classifier.classify(m, trimmedText: "away") == .autoReply(reason: "out-of-office subject"))
    }

    @Test(arguments: ["Re: x", "RE: x", "Re[2]: x", "RE : x", "AW: x", "Sv: x", "Antw: x", "Odp: x",
                      "Ответ: x", "回复：x", "[blog] Re: x", "R: x", "VS: x"])
    func replySubjects(_ subject: String) {
        #expect(ReplySubject.isReply(subject))
    }

    @Test(arguments: ["Fwd: x", "Question: x", "x", "", "Remember: me", "Réunion: x"])
    func nonReplySubjects(_ subject: String) {
        #expect(!ReplySubject.isReply(subject))
    }

    @Test(arguments: [
        ("approve", MailCommand?.some(.approve)), ("  Approve.  ", .approve), ("STOP!", .stop), ("stop.!", .stop),
        ("Unsubscribe\n", .unsubscribe), ("REJECT", .reject), ("unsubscribe me", nil), ("stop it", nil),
        ("", nil), ("approved", nil), ("don't stop", nil),
    ])
    func commandWords(_ text: String, _ expected: MailCommand?) {
        #expect(MailCommand.parse(text) == expected)
    }

    @Test func subjectCommandOnlyWhenBodyIsEmpty() {
        let m = mail([("From", "a@b.example"), ("Subject", "Stop"), ("To", "reply+x@parley.example")])
        #expect(classifier.classify(m, trimmedText: " \n ") == .command(.stop))
        #expect(classifier.classify(m, trimmedText: "thanks for the post") == .reply)
    }

    @Test func bounceBeatsAutoSubmittedAndCommand() {
        let m = mail([("From", "MAILER-DAEMON@mx.example"), ("Subject", "Undeliverable: stop"),
                      ("Auto-Submitted", "auto-replied")],
                     text: "Your message to gone@example.com couldn't be delivered.\n550 5.1.1 unknown")
        let report = BounceReport(recipient: "gone@example.com", status: "5.1.1", isPermanent: true,
                                  diagnostic: "550 5.1.1 unknown")
        #expect(classifier.classify(m, trimmedText: "stop") == .bounce(report))
    }

    @Test func nullSenderWithBounceSubjectIsABounce() {
        let m = mail([("From", "Postmaster <system@mx.example>"), ("Return-Path", "<>"),
                      ("Subject", "Delivery Status Notification (Delay)")],
                     text: "Delivery to the following recipient has been delayed:\n\n     slow@example.com\n")
        guard case .bounce(let report) = classifier.classify(m, trimmedText: "") else {
            Issue.record("not a bounce"); return
        }
        #expect(report.recipient == "slow@example.com")
        #expect(!report.isPermanent)
    }

    @Test func nullSenderAloneIsNotABounce() {
        // RFC 3834 §3.3 responders also send with an empty reverse path.
        let m = mail([("From", "a@b.example"), ("Return-Path", "<>"), ("Subject", "Re: x")])
        #expect(classifier.classify(m, trimmedText: "hello") == .reply)
    }

    @Test func postmasterNeedsASecondSign() {
        let m = mail([("From", "postmaster@b.example"), ("Subject", "Re: your comment")])
        #expect(classifier.classify(m, trimmedText: "We fixed the mail server, thanks.") == .reply)
    }
}

@Suite("Delivery-status parsing")
struct DeliveryStatusFieldsTests {
    @Test func groupsAndFolding() {
        let text = """

        Reporting-MTA: dns; mx.example
        Arrival-Date: Mon, 1 Jan 2024 00:00:00 +0000

        Final-Recipient: rfc822; A@Example.org
        Action: delayed
        Status: 4.2.2 (mailbox full)
        Diagnostic-Code: smtp; 452 4.2.2 Over
          quota

        Final-Recipient: rfc822; b@example.org
        Action: failed (permanent)
        Status: 5.1.1

        """
        let fields = DeliveryStatusFields(parsing: text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(fields.perMessage.value("reporting-mta") == "dns; mx.example")
        #expect(fields.recipients.count == 2)
        #expect(fields.recipients.first?.value("diagnostic-code") == "smtp; 452 4.2.2 Over quota")

        let m = ParsedMail(headers: [MailHeader(name: "From", value: "MAILER-DAEMON@mx.example")],
                           contentType: "multipart/report", parameters: ["report-type": "delivery-status"],
                           parts: [MailPart(contentType: "message/delivery-status", text: text)])
        guard case .bounce(let report) = classifier.classify(m, trimmedText: "") else {
            Issue.record("not a bounce"); return
        }
        // The failed recipient is preferred over the delayed one.
        #expect(report.recipient == "b@example.org")
        #expect(report.action == "failed")
        #expect(report.status == "5.1.1")
        #expect(report.isPermanent)
    }

    @Test(arguments: [
        ("550 5.1.1 <a@b.example>: Recipient address rejected", "550 5.1.1 <a@b.example>: Recipient address rejected"),
        ("550-5.7.1 Blocked 550-5.7.1 by policy 550 5.7.1 see url", "550 5.7.1 Blocked by policy see url"),
        ("452 4.2.2 Over quota", "452 4.2.2 Over quota"), ("Host unreachable", "Host unreachable"),
        ("550 Rejected 550 again", "550 Rejected again"),
    ])
    func diagnosticRepeats(_ raw: String, _ expected: String) {
        #expect(BounceDetector.diagnosticText("smtp; " + raw) == expected)
    }

    @Test func emptyStatusPartFallsBackToText() {
        let m = ParsedMail(headers: [MailHeader(name: "From", value: "MAILER-DAEMON@mx.example"),
                                     MailHeader(name: "Subject", value: "Delayed Mail (still being retried)")],
                           contentType: "multipart/report", parameters: ["report-type": "delivery-status"],
                           parts: [MailPart(contentType: "message/delivery-status", text: "\n\n")],
                           text: "<late@example.org>: connect to mx.example.org: Connection timed out")
        guard case .bounce(let report) = classifier.classify(m, trimmedText: "") else {
            Issue.record("not a bounce"); return
        }
        #expect(report.recipient == "late@example.org")
        #expect(report.status == nil)
        #expect(!report.isPermanent)
    }

    @Test func missingBlankLineBetweenGroups() {
        let fields = DeliveryStatusFields(parsing: "Reporting-MTA: dns; x\nFinal-Recipient: rfc822;c@d.example\nStatus: 5.0.0\n")
        #expect(fields.recipients.first?.value("final-recipient") == "rfc822;c@d.example")
    }

    @Test(arguments: [
        ("rfc822; User@Example.org", "user@example.org"), ("rfc822;<u@x.example>", "u@x.example"),
        ("utf-8; Jörg@Bücher.example", "jörg@bücher.example"), ("x400; c=US;a= ;p=Org", "c=us;a= ;p=org"),
    ])
    func recipientAddresses(_ value: String, _ expected: String) {
        #expect(BounceDetector.recipientAddress(value) == expected)
    }

    @Test(arguments: [
        ("host 192.0.2.45 said: 550 5.1.1 no", "5.1.1"), ("(#5.1.1)", "5.1.1"), ("Exim 4.97.1 said 451 4.4.1 later", "4.4.1"), ("Exim 4.97.1 only", "4.97.1"),
        ("ip 10.2.4.5.6 only", nil), ("v5.1.1", nil), ("version 2.4.6, status: 5.7.1", "5.7.1"), ("5.1.1000", nil),
    ] as [(String, String?)])
    func statusCodes(_ text: String, _ expected: String?) {
        #expect(ClassifierText.statusCode(in: Array(text.utf8))?.code == expected)
    }
}

@Suite("Robustness")
struct ClassifierRobustnessTests {
    @Test func garbageNeverCrashes() {
        var generator = SplitMix64(seed: TestSeed.make("garbageNeverCrashes"))
        let alphabet = Array("<>@:;.,()\"\\ \t\r\n5.1.1abcRe:[]#-=+ü回".unicodeScalars)
        for _ in 0..<300 {
            let length = Int.random(in: 0..<200, using: &generator)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
            let m = ParsedMail(
                headers: [MailHeader(name: "From", value: text), MailHeader(name: "Subject", value: text),
                          MailHeader(name: "To", value: text), MailHeader(name: "Return-Path", value: "<>"),
                          MailHeader(name: "X-Failed-Recipients", value: text)],
                contentType: "multipart/report", parameters: ["report-type": "delivery-status"],
                parts: [MailPart(contentType: "message/delivery-status", text: text),
                        MailPart(contentType: "text/rfc822-headers", text: text)],
                text: text)
            _ = classifier.classify(m, trimmedText: text)
            _ = ReadReply(MailParser.parse(Array(text.utf8)), classifier: classifier)
        }
    }

    @Test func largeHostileInputIsFast() {
        // Patterns that would make a backtracking scanner quadratic.
        let body = String(repeating: "<a@", count: 60_000) + String(repeating: "5.5.", count: 60_000)
            + String(repeating: " ", count: 60_000) + "\n"
        let m = ParsedMail(headers: [MailHeader(name: "From", value: "mailer-daemon@x.example"),
                                     MailHeader(name: "Subject", value: body)],
                           parts: [MailPart(contentType: "message/delivery-status", text: body)], text: body)
        let clock = ContinuousClock()
        let elapsed = clock.measure { _ = classifier.classify(m, trimmedText: body) }
        #expect(elapsed < .seconds(5))
    }
}
