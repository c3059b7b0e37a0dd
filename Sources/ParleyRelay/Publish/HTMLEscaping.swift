/// Escaping of untrusted text for HTML and XML, one Unicode scalar at a time.
///
/// swift-mustache's own `{{…}}` escaping looks at whole Characters, so a quote followed
/// by a combining mark (`"` + U+0301 is one Character) goes through unescaped and can end
/// an attribute value. Published views therefore get values escaped here and print them
/// with `{{{…}}}`.
public enum HTMLEscaping {
    /// Text safe inside element content and double- or single-quoted attribute values,
    /// in HTML and in XML; characters XML 1.0 forbids are dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if isAllowedInXML(scalar) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
    /// C1 controls (U+0080–U+009F) are allowed by XML but mean nothing in text: dropped too.
    static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
