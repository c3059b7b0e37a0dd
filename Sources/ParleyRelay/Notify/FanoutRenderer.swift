import Foundation

/// Renders one notification template for many recipients: once per shape (the values all
/// recipients share plus the per-recipient flags, such as `to_you`), with a marker in
/// place of each per-recipient string (name, unsubscribe link), which is then replaced
/// for each recipient. The output is what rendering the whole template per recipient
/// gives: a marker is written so that the template's escaping shows in it (its `&`
/// becomes `&amp;`), and the value is escaped the same way where it was.
///
/// Whenever that equivalence is not certain the template is rendered in full for that
/// recipient: an empty value (sections would differ), a marker character already in the
/// shared values, a transform applied to a per-recipient value (`{{f(name)}}`), or a
/// marker that does not come back intact.
final class FanoutRenderer {
    private let templates: MailTemplates
    private let shared: [String: Any]
    /// The per-recipient string keys, in marker order.
    private let keys: [String]
    /// Plans by template and flags; `lock` guards them and `substituted`, since a
    /// ``NotificationBatch`` may render on more than one thread.
    private var plans: [String: Plan?] = [:]
    private let lock = NSLock()
    /// Whether markers can be used at all. A single recipient is rendered in full (a
    /// plan would cost more than it saves).
    private let usable: Bool
    /// How many renders were made by substitution (for tests).
    private(set) var substituted = 0

    private enum Piece {
        case text(String)
        case value(Int, escaped: Bool)
    }

    private typealias Plan = [Piece]

    static let open: Character = "\u{F8F0}"
    static let close: Character = "\u{F8F1}"

    init(templates: MailTemplates, shared: [String: Any], keys: [String], recipients: Int) {
        self.templates = templates
        self.shared = shared
        self.keys = keys
        self.usable = recipients > 1 && !shared.values.contains { value in
            guard let s = value as? String else { return false }
            return FanoutRenderer.hasMarkerCharacter(s)
        }
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

    /// The template rendered for one recipient: `values` for `keys`, `flags` as given.
    func render(_ name: String, values: [String: String], flags: [String: Bool]) -> String {
        var context = shared
        for (k, v) in flags { context[k] = v }
        if usable, keys.allSatisfy({ !(values[$0] ?? "").isEmpty }), let plan = plan(name, flags: flags, context: context) {
            lock.withLock { substituted += 1 }
            var out = ""
            for piece in plan {
                switch piece {
                case .text(let t): out += t
                case .value(let i, let escaped):
                    let v = values[keys[i]]!
                    out += escaped ? FastHTMLEscaping.escape(v) : v
                }
            }
            return out
        }
        for (k, v) in values { context[k] = v }
        return templates.render(name, context)
    }

    private func plan(_ name: String, flags: [String: Bool], context: [String: Any]) -> Plan? {
        let key = name + "|" + flags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        lock.lock()
        defer { lock.unlock() }
        if let cached = plans[key] { return cached }
        var plan: Plan?
        if let source = templates.source(name), !keys.contains(where: { source.contains("(\($0))") }) {
            var context = context
            for (i, k) in keys.enumerated() { context[k] = Self.marker(i) }
            plan = Self.split(templates.render(name, context), count: keys.count)
        }
        plans[key] = plan
        return plan
    }

    private static func marker(_ i: Int) -> String { "\(open)\(i)&\(close)" }

    /// Cuts rendered text at its markers; nil if a marker is damaged.
    private static func split(_ text: String, count: Int) -> Plan? {
        var pieces: Plan = []
        var rest = Substring(text)
        while let start = rest.firstIndex(of: open) {
            if start > rest.startIndex { pieces.append(.text(String(rest[..<start]))) }
            guard let end = rest[start...].firstIndex(of: close) else { return nil }
            let inner = rest[rest.index(after: start)..<end]
            let escaped: Bool
            let digits: Substring
            if inner.hasSuffix("&amp;") {
                escaped = true
                digits = inner.dropLast(5)
            } else if inner.hasSuffix("&") {
                escaped = false
                digits = inner.dropLast(1)
            } else {
                return nil
            }
            guard let i = Int(digits), i >= 0, i < count else { return nil }
            pieces.append(.value(i, escaped: escaped))
            rest = rest[rest.index(after: end)...]
        }
        if rest.contains(close) { return nil }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }
}
