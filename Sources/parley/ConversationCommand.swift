import ArgumentParser
import ParleyRelay

/// `parley conversation …`
struct ConversationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conversation", abstract: "Conversations between authors.",
                                                    subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a conversation between partners.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Its id.") var id: String
        @Option(help: "Its title.") var title: String
        @Option(help: "A partner's address (give two or more).") var partner: [String] = []

        func run() throws {
            let partners = try partner.map { try parseAddress($0, option: "--partner") }
            let relay = try options.relay()
            do {
                try relay.addConversation(id: id, title: title, partners: partners)
            } catch let error as AdminError {
                throw CLIError(error.message)
            }
            print("conversation \(id) added")
        }
    }
}

/// `parley post …`
struct PostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "post", abstract: "Blog posts.",
                                                    subcommands: [Add.self, List.self, Show.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a post; notifies the partner and the conversation's subscribers.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Its id.") var id: String
        @Option(help: "Its title.") var title: String
        @Option(help: "Its permalink URL.") var url: String
        @Option(help: "The author's address.") var author: String
        @Option(help: "The conversation it belongs to.") var conversation: String?
        @Option(parsing: .upToNextOption, help: "Pages the post links: each is sent a Webmention (by serve or `parley mention run`).")
        var links: [String] = []

        func run() throws {
            let authorAddress = try parseAddress(author, option: "--author")
            let relay = try options.relay()
            do {
                let queued = try relay.addPost(id: id, title: title, url: url, author: authorAddress, conversation: conversation, links: links)
                print("post \(id) added; \(queued.count) notification(s) queued\(links.isEmpty ? "" : "; Webmentions queued to \(links.count) page(s)")")
            } catch let error as AdminError {
                throw CLIError(error.message)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List posts.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            let posts = try relay.store.read { try $0.posts() }
            if json {
                try printJSON(posts.map { ["id": $0.id, "title": $0.title, "url": $0.url, "conversation": $0.conversationId ?? ""] })
                return
            }
            for p in posts { print("\(p.id)\t\(p.title)\t\(p.url)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one post.")
        @OptionGroup var options: ConfigOption
        @Argument var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let relay = try options.relay()
            guard let (post, author, count) = try relay.store.read({ tx -> (PostRecordView, String, Int)? in
                guard let p = try tx.post(id: id) else { return nil }
                let a = try tx.person(id: p.authorId)?.email ?? ""
                return (PostRecordView(id: p.id, title: p.title, url: p.url, conversation: p.conversationId, blog: p.blog,
                                       excerpt: p.excerpt, answers: p.answersPostId, answeredBy: try tx.answers(to: p.id)),
                        a, try tx.comments(post: id).count)
            }) else { throw CLIError("no post \(id)") }
            if json { try printJSON(post); return }
            print("\(post.id): \(post.title)\n  url: \(post.url)\n  author: \(author)\n  conversation: \(post.conversation ?? "-")\n  comments: \(count)")
            if let blog = post.blog { print("  blog: \(blog)") }
            if let a = post.answers { print("  answers: \(a)") }
            if !post.answeredBy.isEmpty { print("  answered by: \(post.answeredBy.joined(separator: ", "))") }
        }
    }
}

struct PostRecordView: Encodable {
    var id: String
    var title: String
    var url: String
    var conversation: String?
    /// The `[[blog]]` whose feed it came from (null for `post add`).
    var blog: String?
    var excerpt: String?
    /// The id of the earlier post it answers, or null.
    var answers: String?
    /// The ids of the posts that answer it.
    var answeredBy: [String]

    enum CodingKeys: String, CodingKey {
        case id, title, url, conversation, blog, excerpt, answers, answeredBy = "answered_by"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(url, forKey: .url)
        try c.encode(conversation, forKey: .conversation)
        try c.encode(blog, forKey: .blog)
        try c.encode(excerpt, forKey: .excerpt)
        try c.encode(answers, forKey: .answers)
        try c.encode(answeredBy, forKey: .answeredBy)
    }
}
