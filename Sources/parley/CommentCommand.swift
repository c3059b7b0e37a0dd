import ArgumentParser
import ParleyRelay

/// `parley comment …`
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "comment", abstract: "Comments.",
                                                    subcommands: [List.self, Approve.self, Reject.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List comments.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Only this post's comments.") var post: String?
        @Option(help: "Only this status: published, pending, rejected.") var status: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            let views = try relay.commentViews(post: post, status: status)
            if json { try printJSON(views); return }
            for c in views {
                let who = c.authorName.map { "\($0) <\(c.authorEmail)>" } ?? c.authorEmail
                print("#\(c.id) [\(c.status)] on \(c.post)\(c.parent.map { " (reply to #\($0))" } ?? "") by \(who):")
                for line in c.body.split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish a held comment.")
        @OptionGroup var options: ConfigOption
        @Argument var id: Int64

        func run() throws {
            let relay = try options.relay()
            do { try relay.moderate(commentId: id, approve: true) } catch let e as AdminError { throw CLIError(e.message) }
            print("comment \(id) published")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a held comment.")
        @OptionGroup var options: ConfigOption
        @Argument var id: Int64

        func run() throws {
            let relay = try options.relay()
            do { try relay.moderate(commentId: id, approve: false) } catch let e as AdminError { throw CLIError(e.message) }
            print("comment \(id) rejected")
        }
    }
}

/// `parley subscribe`
struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Subscribe a person to a post or a conversation.")
    @OptionGroup var options: ConfigOption
    @Option(help: "The person's address.") var email: String
    @Option(help: "A post id.") var post: String?
    @Option(help: "A conversation id.") var conversation: String?

    func run() throws {
        let address = try parseAddress(email, option: "--email")
        let relay = try options.relay()
        do { try relay.subscribe(address, post: post, conversation: conversation) } catch let e as AdminError { throw CLIError(e.message) }
        print("\(address.address) subscribed to \(post.map { "post \($0)" } ?? "conversation \(conversation!)")")
    }
}

/// `parley unsubscribe`
struct Unsubscribe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unsubscribe a person (from a post, a conversation, or everything).")
    @OptionGroup var options: ConfigOption
    @Option(help: "The person's address.") var email: String
    @Option(help: "A post id.") var post: String?
    @Option(help: "A conversation id.") var conversation: String?

    func run() throws {
        let address = try parseAddress(email, option: "--email")
        let relay = try options.relay()
        do {
            let n = try relay.unsubscribe(address, post: post, conversation: conversation)
            print("\(address.address): \(n) subscription(s) ended")
        } catch let e as AdminError { throw CLIError(e.message) }
    }
}

/// `parley subscriber list`
struct SubscriberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscriber", abstract: "Subscribers.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions with each person's bounce state.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            let rows = try relay.subscriberViews()
            if json { try printJSON(rows); return }
            for r in rows {
                print("\(r.email)\t\(r.scope)\t\(r.target)\t\(r.active ? "active" : "inactive")\tbounce score \(r.bounce_score)\(r.suspended ? "\tsuspended" : "")")
            }
        }
    }
}
