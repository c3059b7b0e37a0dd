@testable import ParleyCurl
import Testing

/// The transport's reading of SMTP replies (RFC 5321 §4.2.1), done on bytes for speed.
@Suite("SMTP transport text")
struct SMTPTransportTextTests {
    struct ReplyCase: Sendable, CustomTestStringConvertible {
        var code: Int
        var lines: [String]
        var expected: String
        var testDescription: String { expected.isEmpty ? "no lines" : expected }
    }

    @Test("the reply with the final code: continuation lines joined, later RSET/QUIT answers ignored", arguments: [
        ReplyCase(code: 250, lines: ["250 2.0.0 Ok: queued as ABC\r\n"], expected: "250 2.0.0 Ok: queued as ABC"),
        ReplyCase(code: 250, lines: ["250 OK\r\n", "250 OK\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n", "250 Message accepted for delivery\r\n"],
                  expected: "250 Message accepted for delivery"),
        ReplyCase(code: 550, lines: ["250 OK\r\n", "550-5.1.1 <x@y>: Recipient address rejected:\r\n", "550 5.1.1 User unknown\r\n",
                                     "250 2.0.0 Reset\r\n", "221 Bye\r\n"],
                  expected: "550 5.1.1 <x@y>: Recipient address rejected: 5.1.1 User unknown"),
        ReplyCase(code: 451, lines: ["451\r\n"], expected: "451"),
        ReplyCase(code: 421, lines: ["220 hello\r\n", "4210 odd\r\n"], expected: "4210 odd"),
        ReplyCase(code: 250, lines: [], expected: ""),
    ])
    func replyText(_ c: ReplyCase) {
        #expect(CurlSMTPTransport.reply(code: c.code, lines: c.lines) == c.expected)
    }
}
