import Foundation
import ParleyCore
import ParleyMail
import ParleyStore

/// Why a sender's email could not be used, as a rejection notice explains it.
enum RejectionReason: String, CaseIterable {
    /// The reply token was altered, expired or from another site.
    case badToken = "bad-token"
    /// The token was valid but what it points at is gone.
    case unknownTarget = "unknown-target"
    /// Only quoted text or a signature: nothing new to publish.
    case emptyReply = "empty-reply"
    /// The post takes no more comments.
    case closedPost = "closed-post"
    /// Over the mailbox's `max_message_size`.
    case tooLarge = "too-large"

    var explanation: String {
        switch self {
        case .badToken:
            return "The reply address it was sent to is not one Parley gave out, or it was changed on the way. Please reply directly to a notification email, without editing its address."
        case .unknownTarget:
            return "The post or comment it answers no longer exists."
        case .emptyReply:
            return "It holds no new text: only the quoted email or a signature. Please write your comment above the quoted text."
        case .closedPost:
            return "The post it answers is closed to new comments."
        case .tooLarge:
            return "It is too large. Please send your comment as plain text, without attachments."
        }
    }
}

extension Decider {
    /// Rejects the mail and tells its sender why: at most one notice per address, reason
    /// and day (the `rejection_notices` table), never to a bounce, an auto-reply, a
    /// mailing list, a robot's address or Parley's own addresses.
    func rejectWithNotice(_ reason: RejectionReason, _ text: String, mail: ReadMail, tx: StoreTransaction) throws -> InboundOutcome {
        let outcome = InboundOutcome(.rejected, text)
        guard let to = noticeRecipient(mail) else { return outcome }
        let now = relay.now()
        guard try tx.claimRejectionNotice(emailKey: to.key, reason: reason.rawValue, day: relay.today, now: now) else {
            return InboundOutcome(.rejected, text + " (the sender was told earlier today)")
        }
        let person = try tx.person(for: to, now: now)
        // A reply to the notice lands on an `.outbound` token, which takes no comments and
        // gets no notice back: no ping-pong with a person or a robot.
        let token = relay.codec.encode(ReplyToken(target: .outbound, targetID: 0, recipientID: person.id!, issuedDay: relay.today))
        let subject = mail.subject.map { ParleyHeaderText.oneLine($0, limit: 120) } ?? "(no subject)"
        let context = Decider.escapedContext([
            "site": relay.config.site.name, "base_url": relay.config.site.baseURL,
            "subject": subject, "explanation": reason.explanation, "reason": reason.rawValue,
        ])
        let queued = try Notifier(relay: relay).queue(kind: "rejection", template: "rejection",
                                                      subject: "Your email to \(relay.config.site.name) could not be used",
                                                      to: person, token: token, references: mail.messageID.map { [$0] } ?? [],
                                                      post: nil, commentId: nil, context: context, tx: tx)
        try tx.recordRejectionNotice(emailKey: to.key, reason: reason.rawValue, day: relay.today, outboundId: queued.id!)
        return InboundOutcome(.rejected, text + "; the sender was told why")
    }

    /// Who may get a notice about this mail, or nil when nobody should.
    func noticeRecipient(_ mail: ReadMail) -> EmailAddress? {
        switch mail.classification {
        case .reply, .other, .command: break
        case .bounce, .autoReply, .loop: return nil
        }
        guard let from = mail.from else { return nil }
        // RFC 3834 §2: no automatic answer to a null envelope sender (a bounce), to
        // anything automatic, or to a list.
        if let returnPath = mail.parsed.header("Return-Path"), returnPath.trimmingCharacters(in: .whitespaces) == "<>" { return nil }
        if let auto = mail.parsed.header("Auto-Submitted"), auto.trimmingCharacters(in: .whitespaces).lowercased() != "no" { return nil }
        if mail.parsed.header("List-Id") != nil || mail.parsed.header("List-Post") != nil { return nil }
        let local = from.localPart.lowercased()
        let robots = ["mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces"]
        if robots.contains(where: { local == $0 || local.hasPrefix($0 + "+") || local.hasPrefix($0 + "-") }) { return nil }
        let own = Set(relay.ownAddresses.map { $0.lowercased() })
        if own.contains(from.key) || relay.replyPattern.token(in: from.address) != nil { return nil }
        return from
    }
}

/// Header text from a sender, made safe to quote on one line.
enum ParleyHeaderText {
    /// Control characters and line breaks become spaces; cut at `limit` characters.
    static func oneLine(_ text: String, limit: Int) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out.append(" ")
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        let trimmed = out.trimmingCharacters(in: .whitespaces)
        return trimmed.count > limit ? String(trimmed.prefix(limit)) + "…" : trimmed
    }
}
