import Foundation

/// Renders the notification templates for one message and its recipients from plans kept
/// across messages (``FanoutRenderer/Plans``, held by ``MailTemplates``): a template is
/// rendered once per shape of context with a marker in place of every non-empty string
/// value, its output is cut at the markers, and each later render with the same shape
/// only joins the pieces with that render's values, HTML-escaped where the template
/// escaped. A full Mustache render looked every name up through dynamic casts, about
/// 0.1 ms per notification, a quarter of the notification builder's time; an ingest
/// notifies one person per reply, so fan-out alone did not help there.
///
/// The output is byte for byte what ``MailTemplates/render(_:_:)`` gives; wherever that is
/// not certain the template is rendered in full. See ``Plans`` for the rules.
final class FanoutRenderer {
    private let templates: MailTemplates
    private let shared: [String: Any]
    /// `lock` guards `substituted`, since a ``NotificationBatch`` may render on more than
    /// one thread.
    private let lock = NSLock()
    /// How many renders were made from a plan (for tests).
    var substituted: Int { lock.withLock { _substituted } }
    private var _substituted = 0

    static let open: Character = "\u{F8F0}"
    static let close: Character = "\u{F8F1}"

    init(templates: MailTemplates, shared: [String: Any]) {
        self.templates = templates
        self.shared = shared
    }

    /// Whether U+F8F0 or U+F8F1 (EF A3 B0 / EF A3 B1 in UTF-8) occurs.
    static func hasMarkerCharacter(_ s: String) -> Bool {
        var a: UInt8 = 0, b: UInt8 = 0
        for c in s.utf8 {
            if a == 0xEF && b == 0xA3 && (c == 0xB0 || c == 0xB1) { return true }
            a = b
            b = c
        }
        return false
    }

    /// The template rendered for one recipient: the shared values with `values` and `flags`
    /// over them.
    func render(_ name: String, values: [String: String], flags: [String: Bool]) -> String {
        var context = shared
        for (k, v) in flags { context[k] = v }
        for (k, v) in values { context[k] = v }
        if let out = templates.plans.render(name, context, templates: templates) {
            lock.withLock { _substituted += 1 }
            return out
        }
        return templates.render(name, context)
    }
}

extension FanoutRenderer {
    /// Plans by template and shape, shared by every renderer of one ``MailTemplates``
    /// (several build threads at once, hence the lock).
    ///
    /// The shape is what a render may depend on besides the text of the strings: the
    /// template, the set of names, and for each whether it is a non-empty string, an empty
    /// one (a marker renders something where an empty string renders nothing, and inside a
    /// partial only a token that renders something is indented), `true` or
    /// `false`. A marker stands for each non-empty string; it has no `<`, `>`, `"` or `'`,
    /// and its `&<\u{301}` shows the escaping applied where it was written: nothing, or
    /// ``FastHTMLEscaping`` (`&amp;&lt;\u{301}`). The library's own HTML escaping (`&amp;`
    /// only: it leaves `<` with a combining accent alone) is not reproduced.
    ///
    /// A render is made in full, never from a plan, when:
    /// - a value is neither exactly `String` nor exactly `Bool` (numbers, optionals,
    ///   arrays, lambdas), or a string holds U+F8F0 or U+F8F1;
    /// - the template, or a partial it names, applies a transform (any `(` inside a tag:
    ///   `{{uppercased(author)}}` of a marker is the marker, its `count` is not), changes
    ///   the delimiters (`{{=`), names a partial dynamically (`*`), or holds a marker
    ///   character itself;
    /// - the template uses partials or blocks (`{{>`, `{{<`, `{{$`), which indent a token
    ///   that follows a line feed, and a string ends in CR or LF, which a marker does not;
    /// - the marked render comes back with a marker damaged, stray or escaped otherwise.
    ///
    /// `@unchecked Sendable`: every stored `var` is read and written under `lock`.
    final class Plans: @unchecked Sendable {
        private struct Key: Hashable {
            let template: String
            let names: [String]
            let kinds: [UInt8]
        }

        private enum Piece {
            case text(String)
            case value(Int, escaped: Bool)
        }

        private struct Plan {
            let pieces: [Piece]
            let textLength: Int
        }

        /// Analysis of a template and the partials it names.
        private struct Source {
            let plannable: Bool
            let indents: Bool
        }

        private static let string: UInt8 = 0x73, empty: UInt8 = 0x65, yes: UInt8 = 0x74, no: UInt8 = 0x66
        /// Shapes are names and their kinds, fixed by the code that fills a context; the
        /// limit only stops a caller with changing names from growing the cache.
        static let limit = 4096

        private let lock = NSLock()
        private var plans: [Key: Plan?] = [:]
        private var sources: [String: Source] = [:]
        private var _built = 0

        init() {}

        /// How many plans were made by a marked render (for tests).
        var built: Int { lock.withLock { _built } }

        /// The template rendered from a plan, or nil when it must be rendered in full.
        func render(_ template: String, _ context: [String: Any], templates: MailTemplates) -> String? {
            let names = context.keys.sorted()
            var kinds: [UInt8] = []
            kinds.reserveCapacity(names.count)
            var strings: [String] = []
            var endsInLineBreak = false
            for name in names {
                let value = context[name]!
                if type(of: value) == String.self {
                    let s = value as! String
                    if s.isEmpty {
                        kinds.append(Self.empty)
                    } else {
                        if FanoutRenderer.hasMarkerCharacter(s) { return nil }
                        let last = s.utf8.last
                        if last == 0x0A || last == 0x0D { endsInLineBreak = true }
                        kinds.append(Self.string)
                        strings.append(s)
                    }
                } else if type(of: value) == Bool.self {
                    kinds.append(value as! Bool ? Self.yes : Self.no)
                } else {
                    return nil
                }
            }
            let key = Key(template: template, names: names, kinds: kinds)
            let cached: Plan?? = lock.withLock {
                guard let source = source(template, templates: templates), source.plannable else { return .some(nil) }
                if endsInLineBreak && source.indents { return .some(nil) }
                return plans[key]
            }
            let plan: Plan?
            if let cached {
                plan = cached
            } else {
                plan = build(template, context, names: names, kinds: kinds, templates: templates)
                lock.withLock {
                    _built += 1
                    if plans.count < Self.limit { plans[key] = plan }
                }
            }
            guard let plan else { return nil }

            var escapedValues = [String?](repeating: nil, count: strings.count)
            var length = plan.textLength
            for s in strings { length += s.utf8.count }
            var out = ""
            out.reserveCapacity(length + length / 8)
            for piece in plan.pieces {
                switch piece {
                case .text(let t): out += t
                case .value(let i, let escaped):
                    if !escaped {
                        out += strings[i]
                    } else if let e = escapedValues[i] {
                        out += e
                    } else {
                        let e = FastHTMLEscaping.escape(strings[i])
                        escapedValues[i] = e
                        out += e
                    }
                }
            }
            return out
        }

        /// Renders the template with a marker for each non-empty string and cuts the result.
        private func build(_ template: String, _ context: [String: Any], names: [String], kinds: [UInt8],
                           templates: MailTemplates) -> Plan? {
            var marked = context
            var count = 0
            for (name, kind) in zip(names, kinds) where kind == Self.string {
                marked[name] = Self.marker(count)
                count += 1
            }
            return Self.split(templates.render(template, marked), count: count)
        }

        private static func marker(_ i: Int) -> String { "\(FanoutRenderer.open)\(i)&<\u{301}\(FanoutRenderer.close)" }

        private static let openBytes: [UInt8] = [0xEF, 0xA3, 0xB0]
        private static let closeBytes: [UInt8] = [0xEF, 0xA3, 0xB1]
        private static let raw = Array("&<\u{301}".utf8)
        private static let escaped = Array("&amp;&lt;\u{301}".utf8)

        /// Cuts rendered text at its markers, on UTF-8 bytes (no Character may join a
        /// marker to its neighbours); nil if a marker is damaged.
        private static func split(_ text: String, count: Int) -> Plan? {
            let bytes = Array(text.utf8)
            var pieces: [Piece] = []
            var textLength = 0
            var start = 0, i = 0
            func isAt(_ mark: [UInt8], _ p: Int) -> Bool {
                p + 3 <= bytes.count && bytes[p] == mark[0] && bytes[p + 1] == mark[1] && bytes[p + 2] == mark[2]
            }
            while i < bytes.count {
                if isAt(closeBytes, i) { return nil }
                guard isAt(openBytes, i) else { i += 1; continue }
                if i > start {
                    pieces.append(.text(String(decoding: bytes[start..<i], as: UTF8.self)))
                    textLength += i - start
                }
                var j = i + 3
                var index = 0, digits = 0
                while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39, digits < 6 {
                    index = index * 10 + Int(bytes[j] - 0x30)
                    digits += 1
                    j += 1
                }
                guard digits > 0, index < count else { return nil }
                var end = j
                while end < bytes.count, !isAt(closeBytes, end), !isAt(openBytes, end) { end += 1 }
                guard isAt(closeBytes, end) else { return nil }
                let suffix = bytes[j..<end]
                if suffix.elementsEqual(raw) {
                    pieces.append(.value(index, escaped: false))
                } else if suffix.elementsEqual(escaped) {
                    pieces.append(.value(index, escaped: true))
                } else {
                    return nil
                }
                i = end + 3
                start = i
            }
            if bytes.count > start {
                pieces.append(.text(String(decoding: bytes[start...], as: UTF8.self)))
                textLength += bytes.count - start
            }
            return Plan(pieces: pieces, textLength: textLength)
        }

        /// The analysis of a template, made once; nil if there is no such template (it
        /// renders as empty text, which a full render gives as well). Called under `lock`.
        private func source(_ template: String, templates: MailTemplates) -> Source? {
            if let known = sources[template] { return known }
            guard templates.has(template) else { return nil }
            var plannable = true, indents = false
            var seen: Set<String> = [template]
            var queue = [template]
            while let name = queue.popLast(), plannable {
                guard let text = templates.source(name) else { continue }
                let tags = Self.scan(text)
                plannable = tags.plannable
                indents = indents || tags.indents
                for partial in tags.partials where seen.insert(partial).inserted { queue.append(partial) }
            }
            let source = Source(plannable: plannable, indents: indents)
            sources[template] = source
            return source
        }

        /// Looks at the text after every `{{` up to the next `}}` (overlapping ones too, so
        /// that no tag the parser sees is missed); comments are read as tags, which only
        /// errs on the side of a full render.
        private static func scan(_ text: String) -> (plannable: Bool, indents: Bool, partials: [String]) {
            if FanoutRenderer.hasMarkerCharacter(text) { return (false, false, []) }
            let bytes = Array(text.utf8)
            var partials: [String] = []
            var indents = false
            var i = 0
            while i + 1 < bytes.count {
                guard bytes[i] == 0x7B, bytes[i + 1] == 0x7B else { i += 1; continue }  // {{
                var end = i + 2
                while end + 1 < bytes.count, !(bytes[end] == 0x7D && bytes[end + 1] == 0x7D) { end += 1 }  // }}
                let content = bytes[(i + 2)..<min(end, bytes.count)]
                if content.contains(0x28) || content.contains(0x2A) { return (false, false, []) }  // ( *
                switch content.first {
                case 0x3D: return (false, false, [])  // =
                case 0x24: indents = true  // $
                case 0x3E, 0x3C:  // > <
                    indents = true
                    let name = String(decoding: content.dropFirst(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    partials.append(name)
                default: break
                }
                i += 1
            }
            return (true, indents, partials)
        }
    }
}
