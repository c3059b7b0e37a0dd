// libFuzzer entry point over everything Parley does to an incoming mail before it
// decides anything: parse (GMime façade), classify, trim the reply, convert HTML.
// Built and run by scripts/fuzz.sh, which compiles ParleyMail's reading code with
// coverage instrumentation and AddressSanitizer; not part of the SwiftPM package.
import ParleyMail

/// The classifier a real site would have: its own address is the reply-address base.
private let classifier = MessageClassifier(ownAddresses: ["talk@example.org"])

/// Called by libFuzzer once per input. Any crash, sanitizer report, leak past the RSS
/// limit or input slower than the timeout is a finding; the return value is ignored.
@_cdecl("LLVMFuzzerTestOneInput")
public func mailFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let mail = MailParser.parse(bytes)
    let html = mail.html.map { HTMLText.convert($0) }
    let body = mail.text ?? html?.text ?? ""
    let reply = ReplyExtractor.extract(body)
    _ = classifier.classify(mail, trimmedText: reply.text)
    if let html = mail.html {
        // The inspect path renders without removing quotes: exercise it too.
        _ = HTMLText.convert(html, removingQuotes: false)
    }
    return 0
}
