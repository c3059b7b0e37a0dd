/// RFC 3676 `format=flowed`: joins soft-broken lines back into paragraphs.
enum FormatFlowed {
    /// §4.2: a line ending in a space is flowed into the next one of the same quote
    /// depth; space-stuffing (§4.4) is removed; the signature separator `-- ` is never
    /// flowed. With DelSp=yes (§4.5) the trailing space itself is removed.
    static func unflow(_ text: String, delSp: Bool) -> String {
        var out: [String] = []
        var current: String?
        var currentDepth = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            var depth = 0
            while line.first == ">" { depth += 1; line = line.dropFirst() }
            if line.first == " " { line = line.dropFirst() }
            let isSignature = line == "-- "
            let flowed = !isSignature && line.hasSuffix(" ")
            var content = String(line)
            if flowed && delSp { content.removeLast() }
            let prefix = String(repeating: ">", count: depth) + (depth > 0 ? " " : "")
            if var c = current, depth == currentDepth {
                c += content
                current = c
            } else {
                if let c = current { out.append(c) }
                current = prefix + content
                currentDepth = depth
            }
            if !flowed {
                out.append(current!)
                current = nil
            }
        }
        if let c = current { out.append(c) }
        return out.joined(separator: "\n")
    }
}
