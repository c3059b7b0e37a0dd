import Crypto

/// The id of a post that came from a blog's feed: `BLOG-` and the first 12 hex digits of
/// the SHA-256 of the feed entry's id (its guid / atom:id / JSON `id`, else its link).
/// Stable across fetches, edits of the entry and restarts; the same entry id in two
/// blogs gives two posts.
public enum FeedPostID {
    public static func make(blog: String, entryId: String) -> String {
        let digest = SHA256.hash(data: Array(entryId.utf8))
        let hex = digest.prefix(6).map { b in String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined()
        return "\(blog)-\(hex)"
    }
}
