import Foundation
import ParleyCore
import ParleyStore

extension Relay {
    /// A post's public comment address, to print on the blog ("comment by email").
    ///
    /// Its token names the post and no recipient, so whatever arrives there is kept
    /// unconfirmed until its sender answers a confirmation sent to their From address
    /// (double opt-in); only then does it go on to moderation and publication.
    public func publicAddress(postId: String) throws -> String {
        guard let post = try store.read({ try $0.post(id: postId) }) else { throw AdminError("post \(postId) does not exist") }
        let token = codec.encode(ReplyToken(target: .post, targetID: post.number!, recipientID: Decider.publicRecipient, issuedDay: today))
        return replyPattern.address(for: token)
    }
}
