/// What a reply token points at: the place in the thread a reply to it lands.
public enum TokenTarget: UInt8, Sendable, CaseIterable {
    /// A post: a reply becomes a top-level comment.
    case post = 1
    /// A comment: a reply becomes a nested reply to it.
    case comment = 2
    /// A held comment awaiting the post author's decision.
    case moderation = 3
    /// A subscription: used for unsubscribe links and confirmations.
    case subscription = 4
    /// An outbound message: its VERP bounce address.
    case outbound = 5
    /// A request to follow a post or a conversation by email (from a blog's follow
    /// form), waiting for its confirmation: the link or a reply confirms it.
    case follow = 6
    /// A Webmention of a post, told to the post's author: `approve` shows a held one,
    /// `reject` takes it off.
    case mention = 7
}

/// A reply token: version, target, recipient and issue day, signed with the site secret.
///
/// Every email Parley sends carries one in its reply address and in its Message-ID, so
/// that a reply can be threaded and its sender checked against the person it was sent to.
public struct ReplyToken: Sendable, Hashable {
    /// The token format version; only version 1 exists.
    public static let currentVersion: UInt8 = 1

    /// What the token points at.
    public var target: TokenTarget
    /// The id of the post, comment, moderation item, subscription or outbound message.
    public var targetID: Int64
    /// The id of the person it was sent to.
    public var recipientID: Int64
    /// Days since 1970-01-01 (UTC) when it was issued; used for optional expiry.
    public var issuedDay: Int64

    public init(target: TokenTarget, targetID: Int64, recipientID: Int64, issuedDay: Int64) {
        self.target = target
        self.targetID = targetID
        self.recipientID = recipientID
        self.issuedDay = issuedDay
    }
}

/// Why a string is not a token Parley can trust.
public enum ReplyTokenError: Error, Sendable, Equatable {
    /// Not base32, too short, or its fields do not decode.
    case malformed
    /// A version this build does not know.
    case unknownVersion(UInt8)
    /// The signature does not match under any accepted secret: tampered or forged.
    case badSignature
    /// Signed, but older than the expiry set for its kind.
    case expired
}
