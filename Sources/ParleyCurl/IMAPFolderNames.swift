import Foundation
import ParleyCore

/// How one server names its folders: the personal namespace's prefix and hierarchy
/// delimiter (RFC 2342 NAMESPACE, else RFC 3501 §6.3.8 `LIST "" ""`), and the mapping
/// from the names an admin writes in the config (always with `/` between levels,
/// SPEC.md) to the server's own.
///
/// Servers differ: Dovecot with Maildir uses `.` and no prefix, Cyrus and Courier put
/// personal folders under `INBOX.`, Gmail uses `/`. A config written once must work on
/// each, and the moved mail must be where the admin looks for it.
public struct IMAPFolderNames: Sendable, Equatable {
    /// The hierarchy delimiter, nil on a flat server (no hierarchy).
    public var delimiter: Character?
    /// The personal namespace's prefix, e.g. `INBOX.` (empty on most servers).
    public var personalPrefix: String

    public init(delimiter: Character?, personalPrefix: String) {
        self.delimiter = delimiter
        self.personalPrefix = personalPrefix
    }

    /// The server's name for a folder written as `A/B/C`: levels joined with the
    /// server's delimiter, under the personal prefix, each level in modified UTF-7
    /// (RFC 3501 §5.1.3). `INBOX` (any case) is the inbox; a name that already starts
    /// with the prefix's first level (`INBOX/Archive` on a server whose prefix is
    /// `INBOX.`) is not prefixed twice.
    ///
    /// Throws `.invalidInput` for a name that cannot be mapped: empty, a level that
    /// holds the server's delimiter as a character, or levels on a flat server.
    public func serverName(for configName: String) throws(MailError) -> String {
        let levels = configName.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !levels.isEmpty else {
            throw MailError(.invalidInput, "folder name \"\(configName)\" is empty: write it like \"Parley/Processed\"")
        }
        if levels.count == 1 && levels[0].uppercased() == "INBOX" { return "INBOX" }
        guard let delimiter else {
            guard levels.count == 1 else {
                throw MailError(.invalidInput, "folder \"\(configName)\": this server has no folder hierarchy; write a name without \"/\"")
            }
            return IMAPFolderNames.modifiedUTF7(levels[0])
        }
        if delimiter != "/", let bad = levels.first(where: { $0.contains(delimiter) }) {
            throw MailError(.invalidInput, "folder \"\(configName)\": the server separates folder levels with \"\(delimiter)\", so a level cannot contain it (\"\(bad)\"); write levels with \"/\", e.g. \"\(levels.joined(separator: "/").replacingOccurrences(of: String(delimiter), with: "/"))\"")
        }
        var prefixed = levels
        let prefixLevels = personalPrefix.split(separator: delimiter, omittingEmptySubsequences: true).map(String.init)
        let alreadyInside = !prefixLevels.isEmpty && levels.count > prefixLevels.count
            && zip(levels, prefixLevels).allSatisfy { $0.uppercased() == $1.uppercased() }
        if !prefixLevels.isEmpty && !alreadyInside {
            prefixed = prefixLevels + levels
        }
        return prefixed.map(IMAPFolderNames.modifiedUTF7).joined(separator: String(delimiter))
    }

    /// Reads the personal namespace from a `* NAMESPACE` response (RFC 2342 §5):
    /// `* NAMESPACE (("INBOX." ".")) NIL NIL`; nil when the line is not one or the
    /// server has no personal namespace.
    public static func personalNamespace(_ line: String) -> (prefix: String, delimiter: Character?)? {
        guard line.uppercased().hasPrefix("* NAMESPACE ") else { return nil }
        var scanner = Scanner(Array(line.utf8).dropFirst("* NAMESPACE ".utf8.count))
        guard scanner.take("(("), let prefix = scanner.string() else { return nil }
        scanner.skipSpaces()
        let delimiter = scanner.string().flatMap(\.first)
        return (prefix, delimiter)
    }

    /// The delimiter of a `* LIST (attrs) "." name` line (nil for `NIL`), and its
    /// attributes (`\Noselect`, `\Trash`…).
    public static func listEntry(_ line: String) -> (attributes: [String], delimiter: Character?, name: String)? {
        guard line.uppercased().hasPrefix("* LIST ") else { return nil }
        var scanner = Scanner(Array(line.utf8).dropFirst("* LIST ".utf8.count))
        guard scanner.take("("), let close = scanner.bytes[scanner.index...].firstIndex(of: UInt8(ascii: ")")) else { return nil }
        let attributes = String(decoding: scanner.bytes[scanner.index..<close], as: UTF8.self).split(separator: " ").map(String.init)
        scanner.index = close + 1
        scanner.skipSpaces()
        let delimiter = scanner.string().flatMap(\.first)
        scanner.skipSpaces()
        let name = scanner.string() ?? String(decoding: scanner.bytes[scanner.index...], as: UTF8.self)
        return (attributes, delimiter, name)
    }

    /// RFC 6154 attributes of folders Parley never writes into.
    public static let specialUse: Set<String> = ["\\ALL", "\\ARCHIVE", "\\DRAFTS", "\\FLAGGED", "\\JUNK", "\\SENT", "\\TRASH"]

    /// RFC 3501 §5.1.3: printable ASCII as is except `&` (written `&-`); other
    /// characters as UTF-16 in modified base64 (`,` for `/`) between `&` and `-`.
    public static func modifiedUTF7(_ name: String) -> String {
        var out = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            for unit in pending { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xff)) }
            let b64 = Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "/", with: ",")
            out += "&" + b64 + "-"
            pending.removeAll()
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7e {
                flush()
                out += scalar == "&" ? "&-" : String(scalar)
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return out
    }

    /// A cursor over a response line's bytes for the few tokens read here.
    struct Scanner {
        var bytes: [UInt8]
        var index: Int

        init(_ slice: ArraySlice<UInt8>) {
            bytes = Array(slice)
            index = 0
        }

        mutating func skipSpaces() { while index < bytes.count && bytes[index] == 32 { index += 1 } }

        mutating func take(_ literal: String) -> Bool {
            let l = Array(literal.utf8)
            guard bytes.count - index >= l.count, Array(bytes[index..<index + l.count]) == l else { return false }
            index += l.count
            return true
        }

        /// A quoted string (RFC 3501 §9 `quoted`), or `NIL` (nil); an atom is read as is.
        mutating func string() -> String? {
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var out: [UInt8] = []
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") && index + 1 < bytes.count { index += 1 }
                    out.append(bytes[index])
                    index += 1
                }
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            let start = index
            while index < bytes.count && bytes[index] != 32 && bytes[index] != UInt8(ascii: ")") { index += 1 }
            let atom = String(decoding: bytes[start..<index], as: UTF8.self)
            return atom.uppercased() == "NIL" ? nil : atom
        }
    }
}
