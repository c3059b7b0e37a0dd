import Foundation
import Mustache

/// The Mustache templates for outgoing mail and published views, read from a folder
/// (`templates/` by default), so the admin can override any of them.
public struct MailTemplates: Sendable {
    /// Names every installation must have, without the `.mustache` extension.
    public static let required = ["new-post.txt", "new-post.html", "new-comment.txt", "new-comment.html"]

    private let library: MustacheLibrary

    /// Loads every `*.mustache` file of the folder; fails naming the file that does not parse.
    public init(directory: String) throws(TemplateError) {
        var library = MustacheLibrary()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files.sorted() where file.hasSuffix(".mustache") {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                try library.register(String(decoding: data, as: UTF8.self), named: String(file.dropLast(".mustache".count)))
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

    /// Whether a template of this name exists.
    public func has(_ name: String) -> Bool { library.getTemplate(named: name) != nil }
}

/// A template that is missing or does not parse.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
