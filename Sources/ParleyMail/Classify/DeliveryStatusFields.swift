// The body of a `message/delivery-status` part, read as RFC 3464 field groups.

/// One group of `Name: value` fields from a delivery-status body (RFC 3464 §2.1): the
/// per-message group or one per-recipient group.
struct DeliveryStatusGroup: Sendable, Equatable {
    /// Fields in order; names lower-cased, folded values unfolded (RFC 5322 §2.2.3) and trimmed.
    var fields: [(name: String, value: String)] = []

    /// The first value of the field `name` (lower-case), if present and non-empty.
    func value(_ name: String) -> String? {
        fields.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    /// Whether the group has any of the per-recipient fields of RFC 3464 §2.3.
    var describesRecipient: Bool {
        fields.contains { ["final-recipient", "original-recipient", "action", "status"].contains($0.name) }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A parsed delivery-status body.
///
/// RFC 3464 §2.1: the body is a per-message group (`Reporting-MTA`, `Arrival-Date`, …) followed
/// by one group per recipient (`Final-Recipient`, `Action`, `Status`, …), groups separated by
/// blank lines; fields follow RFC 822 header syntax, so they may be folded and carry comments.
struct DeliveryStatusFields: Sendable, Equatable {
    /// The per-message fields (RFC 3464 §2.2).
    var perMessage = DeliveryStatusGroup()
    /// The per-recipient groups (RFC 3464 §2.3), in order.
    var recipients: [DeliveryStatusGroup] = []

    /// Reads `text`. Lenient where real MTAs are sloppy: a leading blank line is skipped, and a
    /// first group that already holds recipient fields (some MTAs omit the separating blank
    /// line) counts as a recipient group, so its recipient is not lost.
    init(parsing text: String) {
        var groups: [DeliveryStatusGroup] = []
        var current = DeliveryStatusGroup()
        var pendingName: String?
        var pendingValue = ""

        func flushField() {
            if let name = pendingName {
                current.fields.append((name, ClassifierText.trimmed(pendingValue)))
            }
            pendingName = nil
            pendingValue = ""
        }
        func flushGroup() {
            flushField()
            if !current.fields.isEmpty { groups.append(current) }
            current = DeliveryStatusGroup()
        }

        // `isNewline` also matches the single Character "\r\n", so CRLF bodies split correctly.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flushGroup()
            } else if let first = line.first, first == " " || first == "\t" {
                // Continuation of a folded field; a stray one before any field is ignored.
                if pendingName != nil { pendingValue += " " + ClassifierText.trimmed(line) }
            } else if let colon = line.firstIndex(of: ":") {
                flushField()
                pendingName = ClassifierText.trimmed(line[..<colon]).lowercased()
                pendingValue = String(line[line.index(after: colon)...])
            }
            // A line without a colon is not a field; skip it rather than fail.
        }
        flushGroup()

        guard let first = groups.first else { return }
        if first.describesRecipient {
            recipients = groups.filter(\.describesRecipient)
        } else {
            perMessage = first
            recipients = groups.dropFirst().filter(\.describesRecipient)
        }
    }
}
