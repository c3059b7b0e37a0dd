import Foundation

/// A feed as Parley reads it, whatever its format (RSS 2.0, RSS 1.0, Atom 1.0, JSON Feed).
public struct FeedDocument: Sendable, Equatable, Encodable {
    /// Which format the document was written in.
    public enum Format: String, Sendable, Encodable {
        case rss2 = "RSS 2.0"
        case rss1 = "RSS 1.0"
        case atom = "Atom 1.0"
        case jsonFeed = "JSON Feed"
    }

    public var format: Format
    public var title: String
    /// The site's address (the alternate link), absolute; nil when the feed gives none.
    public var link: String?
    /// In document order.
    public var entries: [FeedEntry]

    public init(format: Format, title: String, link: String?, entries: [FeedEntry]) {
        self.format = format; self.title = title; self.link = link; self.entries = entries
    }

    private enum CodingKeys: String, CodingKey { case title, link, entries }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(link, forKey: .link)
        try c.encode(entries, forKey: .entries)
    }
}

/// One entry (item) of a feed.
public struct FeedEntry: Sendable, Equatable, Encodable {
    /// guid / atom:id / rdf:about / JSON `id`; the link when the feed gives none.
    public var id: String
    /// Plain text.
    public var title: String
    /// The alternate link, absolute.
    public var link: String?
    /// Published, else updated.
    public var published: Date?
    public var author: String?
    public var categories: [String]
    /// The first words of the summary (else of the content), as plain text.
    public var excerpt: String?
    /// Every link of the content and summary, absolute: what the entry points at (how an
    /// answer to an earlier post of the conversation is recognised). Not printed.
    public var links: [String]

    public init(id: String, title: String, link: String?, published: Date?, author: String?, categories: [String],
                excerpt: String?, links: [String] = []) {
        self.id = id; self.title = title; self.link = link; self.published = published; self.author = author
        self.categories = categories; self.excerpt = excerpt; self.links = links
    }

    private enum CodingKeys: String, CodingKey { case id, title, link, published, author, categories, excerpt }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(link, forKey: .link)
        try c.encode(published.map(FeedDate.iso8601), forKey: .published)
        try c.encode(author, forKey: .author)
        try c.encode(categories, forKey: .categories)
        try c.encode(excerpt, forKey: .excerpt)
    }
}

/// Why a document could not be read as a feed, in words for the admin.
public struct FeedError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
