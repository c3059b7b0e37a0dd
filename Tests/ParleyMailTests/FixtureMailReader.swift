// Test-only reader that turns fixture .eml files into `ParsedMail`, standing in for the GMime
// façade until it exists. It is deliberately small: fixtures are 7bit/8bit, so there is no
// base64, quoted-printable or RFC 2047 decoding; it only splits headers from bodies, unfolds
// headers, reads Content-Type parameters and walks (nested) multipart boundaries.

import Foundation
@testable import ParleyMail

enum FixtureMailReader {
    enum Failure: Error { case missing(String) }

    /// Reads `Fixtures/classify/NAME.eml` from the test bundle.
    static func load(_ name: String) throws -> ParsedMail {
        guard let base = Bundle.module.resourceURL else { throw Failure.missing(name) }
        let url = base.appendingPathComponent("Fixtures/classify/\(name).eml")
        let data = try Data(contentsOf: url)
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses a whole message.
    static func parse(_ raw: String) -> ParsedMail {
        let entity = Entity(raw.replacingOccurrences(of: "\r\n", with: "\n"))
        var parts: [MailPart] = []
        collectLeaves(entity, into: &parts)
        let isAttachment = { (part: MailPart) in part.disposition == "attachment" }
        return ParsedMail(
            headers: entity.headers,
            contentType: entity.contentType,
            parameters: entity.parameters,
            parts: parts,
            text: parts.first { $0.contentType == "text/plain" && !isAttachment($0) }?.text,
            html: parts.first { $0.contentType == "text/html" && !isAttachment($0) }?.text)
    }

    /// One MIME entity: its headers and its raw body.
    private struct Entity {
        var headers: [MailHeader] = []
        var contentType = "text/plain"
        var parameters: [String: String] = [:]
        var body = ""

        init(_ text: String) {
            let (headerBlock, body) = Self.split(text)
            self.body = body
            for line in headerBlock.components(separatedBy: "\n") {
                if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                    headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                } else if let colon = line.firstIndex(of: ":") {
                    headers.append(MailHeader(
                        name: String(line[..<colon]),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
            }
            if let value = header("Content-Type") {
                let (type, parameters) = Self.parameterised(value)
                contentType = type
                self.parameters = parameters
            }
        }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// Header block and body, split at the first empty line. A part that starts with an
        /// empty line has no headers.
        static func split(_ text: String) -> (String, String) {
            if text.hasPrefix("\n") { return ("", String(text.dropFirst())) }
            guard let range = text.range(of: "\n\n") else { return (text, "") }
            return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
        }

        /// `type/subtype; a=b; c="d"` → lower-cased type and parameters (keys lower-cased).
        static func parameterised(_ value: String) -> (String, [String: String]) {
            var pieces = value.split(separator: ";", omittingEmptySubsequences: true).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let type = pieces.isEmpty ? "text/plain" : pieces.removeFirst().lowercased()
            var parameters: [String: String] = [:]
            for piece in pieces {
                guard let equals = piece.firstIndex(of: "=") else { continue }
                let key = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                var val = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if val.hasPrefix("\""), val.hasSuffix("\""), val.count >= 2 { val = String(val.dropFirst().dropLast()) }
                parameters[key] = val
            }
            return (type, parameters)
        }
    }

    /// Flattens multipart containers into leaf parts, in document order. `message/rfc822`
    /// stays a leaf, as the ParsedMail contract says.
    private static func collectLeaves(_ entity: Entity, into parts: inout [MailPart]) {
        if entity.contentType.hasPrefix("multipart/"), let boundary = entity.parameters["boundary"] {
            for chunk in bodyParts(entity.body, boundary: boundary) {
                collectLeaves(Entity(chunk), into: &parts)
            }
            return
        }
        var disposition: String?
        var filename = entity.parameters["name"]
        if let value = entity.header("Content-Disposition") {
            let (kind, parameters) = Entity.parameterised(value)
            disposition = kind
            filename = parameters["filename"] ?? filename
        }
        let textual = entity.contentType.hasPrefix("text/") || entity.contentType.hasPrefix("message/")
        parts.append(MailPart(
            contentType: entity.contentType,
            parameters: entity.parameters,
            disposition: disposition,
            filename: filename,
            size: entity.body.utf8.count,
            text: textual ? entity.body : nil))
    }

    /// The bodies between `--boundary` lines, up to `--boundary--` (RFC 2046 §5.1.1).
    /// The line break before a delimiter belongs to the delimiter, so it is dropped.
    private static func bodyParts(_ body: String, boundary: String) -> [String] {
        var result: [String] = []
        var current: [Substring]?
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmedLine = line.trimmingCharacters(in: .whitespaces)
            if trimmedLine == "--\(boundary)--" {
                if let current { result.append(current.joined(separator: "\n")) }
                return result
            }
            if trimmedLine == "--\(boundary)" {
                if let current { result.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current?.append(line)
            }
        }
        if let current { result.append(current.joined(separator: "\n")) }
        return result
    }
}
