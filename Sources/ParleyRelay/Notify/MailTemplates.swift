import Foundation
import Mustache

/// The Mustache templates for outgoing mail and published views, read from a folder
/// (`templates/` by default), so the admin can override any of them.
public struct MailTemplates: Sendable {
    /// Names every installation must have, without the `.mustache` extension.
    public static let required = ["new-post.txt", "new-post.html", "new-comment.txt", "new-comment.html"]

    private let library: MustacheLibrary
    /// Render plans for these templates, shared by every notification (see ``FanoutRenderer``).
    let plans = FanoutRenderer.Plans()

    /// Loads every `*.mustache` file of the folder; fails naming the file that does not parse.
    ///
    /// Each template starts with a standalone pragma line that makes ``FastHTMLEscaping``
    /// its default escaping: the same five replacements as the library's own HTML content
    /// type, which looked each Character up in a dictionary (a quarter of the time of a
    /// notification). A standalone pragma line renders as nothing, and a template's own
    /// `CONTENT_TYPE` pragma still takes over where it stands.
    public init(directory: String) throws(TemplateError) {
        _ = FastHTMLEscaping.registered
        var library = MustacheLibrary()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files.sorted() where file.hasSuffix(".mustache") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                try library.register(FastHTMLEscaping.pragma + String(decoding: data, as: UTF8.self), named: String(file.dropLast(".mustache".count)))
            } catch {
                throw TemplateError(message: "template \(path) does not parse: \(error)")
            }
        }
        for name in MailTemplates.required where library.getTemplate(named: name) == nil {
            throw TemplateError(message: "template \(directory)/\(name).mustache is missing")
        }
        self.library = library
    }

    /// Renders a template; a missing one renders as empty text.
    public func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    /// A template's text, if it exists.
    func source(_ name: String) -> String? { library.getTemplate(named: name)?.description }

    /// Whether a template of this name exists.
    public func has(_ name: String) -> Bool { library.getTemplate(named: name) != nil }
}

/// A template that is missing or does not parse.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// HTML escaping for `{{name}}` as swift-mustache's HTML content type does it (`<`, `>`,
/// `&`, `"`, `'`), over UTF-8 bytes rather than Characters.
struct FastHTMLEscaping: MustacheContentType {
    static let name = "PARLEY_HTML"
    static let pragma = "{{% CONTENT_TYPE: \(name)}}\n"
    static let registered: Bool = {
        MustacheContentTypes.register(FastHTMLEscaping(), named: name)
        return true
    }()

    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            guard bytes.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
                return String(decoding: bytes, as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 32)
            for b in bytes {
                switch b {
                case 0x3C: out += [0x26, 0x6C, 0x74, 0x3B]  // &lt;
                case 0x3E: out += [0x26, 0x67, 0x74, 0x3B]  // &gt;
                case 0x26: out += [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;
                case 0x22: out += [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B]  // &quot;
                case 0x27: out += [0x26, 0x23, 0x33, 0x39, 0x3B]  // &#39;
                default: out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
