import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Bounce bookkeeping: matches a bounce to the outbound message it is about, and keeps
/// each person's bounce score.
///
/// A bounce is matched by its VERP address first (the envelope sender Parley used, RFC
/// 5321 §4.5.5, whose token names the outbound row and its recipient), then by the
/// returned `Message-ID` (RFC 3464 §2 with RFC 6522's returned headers). An unmatched
/// bounce changes nothing: anyone can mail a fake one.
///
/// The score counts hard bounces (RFC 3463 class 5, `Action: failed`, or a 550/551/553
/// refusal of the recipient at sending). Reaching `bounce_threshold` suspends the
/// person's notifications until `bounce_reset_after` has passed since the last hard
/// bounce; a score with no hard bounce for that long starts again from zero. Soft
/// bounces (delays, 4.x.x) are recorded but never suspend. One message counts once.
struct BounceHandler {
    let relay: Relay

    /// Acts on a bounce that arrived in the mailbox.
    func handle(_ report: BounceReport, mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome {
        var what = report.isPermanent ? "hard bounce" : "soft bounce"
        if let status = report.status { what += " (\(status))" }
        if let action = report.action, ["delivered", "relayed", "expanded"].contains(action) {
            return InboundOutcome(.bounce, "delivery report (\(action)) for \(report.recipient ?? "an unknown recipient"); nothing failed")
        }
        guard let (outbound, how) = try match(report, mail: mail, tx: tx), let personId = outbound.recipientId else {
            let who = report.failedRecipients.count > 1 ? report.failedRecipients.joined(separator: ", ") : report.recipient ?? "an unknown recipient"
            return InboundOutcome(.bounce, "\(what) for \(who) not matched to any message Parley sent (no valid VERP address or known Message-ID); ignored")
        }
        let result = try record(personId: personId, outbound: outbound, permanent: report.isPermanent,
                                status: report.status, diagnostic: report.diagnostic, tx: tx)
        let others = report.failedRecipients.filter { $0 != outbound.recipient.lowercased() }
        let also = others.isEmpty ? "" : "; the report names \(report.failedRecipients.count) failed recipients: \(report.failedRecipients.joined(separator: ", "))"
        return InboundOutcome(.bounce, "\(what) for \(outbound.recipient) of outbound message \(outbound.id!) (matched by \(how)); \(result)\(also)")
    }

    /// Finds the outbound message a bounce is about.
    private func match(_ report: BounceReport, mail: ReadMail, tx: StoreTransaction) throws -> (OutboundRecord, String)? {
        let addresses = relay.notifyAddresses
        for address in mail.recipientAddresses {
            guard let text = addresses.bounceToken(in: address.address),
                  let token = try? relay.codec.decode(text, today: relay.today),
                  token.target == .outbound,
                  let outbound = try tx.outbound(id: token.targetID),
                  outbound.recipientId == token.recipientID else { continue }
            return (outbound, "its VERP address")
        }
        if let id = report.originalMessageID, let outbound = try tx.outbound(messageId: id) {
            return (outbound, "the returned Message-ID")
        }
        return nil
    }

    /// Records a bounce for a person and updates their score; returns a sentence saying
    /// where the person stands. With `annotate`, the outbound message's `last_error`
    /// says that it bounced (it stays `sent`: the server had accepted it).
    @discardableResult
    func record(personId: Int64, outbound: OutboundRecord?, permanent: Bool, status: String?, diagnostic: String?,
                annotate: Bool = true, tx: StoreTransaction) throws -> String {
        guard var person = try tx.person(id: personId) else { return "the person is no longer known" }
        let now = relay.now()
        let countedBefore = try outbound.map { o in try tx.bounces(personId: personId).contains { $0.outboundId == o.id && $0.permanent } } ?? false
        try tx.insertBounce(BounceRecord(personId: personId, outboundId: outbound?.id, permanent: permanent,
                                         status: status, diagnostic: diagnostic, receivedAt: now))
        if annotate, var outbound, let id = outbound.id, let fresh = try tx.outbound(id: id) {
            outbound = fresh
            outbound.lastError = "bounced\(status.map { " (\($0))" } ?? ""): \(diagnostic ?? (permanent ? "permanent failure" : "delayed"))"
            try tx.update(outbound)
        }
        let threshold = relay.config.bounceThreshold
        guard permanent else {
            return "soft bounces do not count; bounce score stays \(person.bounceScore) of \(threshold)"
        }
        guard !countedBefore else {
            return "this message's hard bounce was counted already; bounce score stays \(person.bounceScore) of \(threshold)"
        }
        let quiet = relay.config.bounceResetAfter.seconds
        if let last = person.lastBounceAt, now.timeIntervalSince(last) > quiet { person.bounceScore = 0 }
        person.bounceScore += 1
        person.lastBounceAt = now
        var result = "bounce score \(person.bounceScore) of \(threshold)"
        if person.bounceScore >= threshold {
            let until = now.addingTimeInterval(quiet)
            person.suspendedUntil = until
            result += "; notifications to \(person.email) suspended until \(ISO8601DateFormatter().string(from: until))"
            relay.logger.warning("\(person.email) suspended after \(person.bounceScore) hard bounces")
        }
        try tx.update(person)
        return result
    }

    /// Whether a permanent SMTP refusal at sending says the recipient's address is bad
    /// (RFC 5321 §4.2.2: 550 mailbox unavailable, 551 not local, 553 name not allowed),
    /// rather than refusing the message for its content or a policy (5.7.x, RFC 3463).
    static func isAddressRefusal(replyCode: Int?, reply: String?) -> Bool {
        guard let code = replyCode, [550, 551, 553].contains(code) else { return false }
        return !(reply ?? "").contains("5.7.")
    }
}
