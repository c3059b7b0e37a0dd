import Foundation
import ParleyCore
import ParleyCurl
import ParleyStore

/// What one publish step did.
public struct PublishSummary: Sendable, Equatable {
    /// Posts whose static views were rewritten.
    public var postsWritten: [String] = []
    /// Views that could not be written, with the reason; they are tried again next time.
    public var errors: [String] = []
    public var webhooks = WebhookSummary()

    public init() {}
}

extension Relay {
    /// Runs the publish stage after a commit: rewrites the static views of every post
    /// whose comments changed, then sends the webhook deliveries that are due.
    ///
    /// Never throws for a view or a webhook that fails (the change is committed; the
    /// failure is logged and retried); throws only when the database is unusable.
    @discardableResult
    public func publishPending(poster: (any HTTPPoster)? = nil) throws -> PublishSummary {
        var summary = PublishSummary()
        let requested = try store.read { try $0.pendingViewUpdates() }
        for request in requested {
            let postId = request.postId
            do {
                try StaticViews(relay: self).write(postId: postId)
                summary.postsWritten.append(postId)
                try store.write { try $0.clearViewUpdate(request) }
            } catch let error as StaticViews.Failure {
                logger.error("\(error.message)")
                summary.errors.append(error.message)
            }
        }
        if config.publish.webhookURL != nil {
            do {
                let poster = try poster ?? CurlHTTPPoster()
                summary.webhooks = try WebhookSender(relay: self, poster: poster).flush()
            } catch let error as MailError {
                logger.error("webhooks not sent: \(error)")
                summary.errors.append(error.description)
            }
        }
        return summary
    }
}
