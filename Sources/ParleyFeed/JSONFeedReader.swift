import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) through Foundation's JSON.
enum JSONFeedReader {
    static func read(_ bytes: [UInt8], url: String?) throws(FeedError) -> FeedDocument {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw FeedError("not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")")
        }
        guard let feed = object as? [String: Any] else { throw FeedError("not a JSON Feed: the document is not a JSON object") }
        guard let version = feed["version"] as? String, version.hasPrefix("https://jsonfeed.org/version/") || version.hasPrefix("http://jsonfeed.org/version/") else {
            throw FeedError("not a JSON Feed: \"version\" is missing or is not https://jsonfeed.org/version/1 or /1.1")
        }
        let base = url.flatMap { URL(string: $0) }
        func absolute(_ s: String?) -> String? {
            guard let s, !s.isEmpty else { return nil }
            return URL(string: s, relativeTo: base)?.absoluteString ?? s
        }
        func authorName(_ o: [String: Any]) -> String? {
            if let list = o["authors"] as? [[String: Any]] {
                for a in list { if let n = a["name"] as? String, !FeedText.collapsed(n).isEmpty { return FeedText.collapsed(n) } }
            }
            if let a = o["author"] as? [String: Any], let n = a["name"] as? String, !FeedText.collapsed(n).isEmpty { return FeedText.collapsed(n) }
            return nil
        }
        let feedAuthor = authorName(feed)
        let items = feed["items"] as? [[String: Any]] ?? []
        var entries: [FeedEntry] = []
        for item in items {
            let link = absolute(item["url"] as? String) ?? absolute(item["external_url"] as? String)
            let idText: String?
            switch item["id"] {
            case let s as String: idText = s.trimmingCharacters(in: .whitespacesAndNewlines)
            case let n as NSNumber: idText = n.stringValue
            default: idText = nil
            }
            guard let id = (idText?.isEmpty ?? true) ? link : idText else { continue }
            var links: [String] = []
            var content: String?
            if let html = item["content_html"] as? String {
                let converted = FeedText.textAndLinks(html)
                content = converted.text
                links = converted.links.compactMap(absolute)
            } else if let text = item["content_text"] as? String {
                content = text
            }
            let summary = (item["summary"] as? String).flatMap { FeedText.excerpt($0) }
            let date = (item["date_published"] as? String) ?? (item["date_modified"] as? String)
            entries.append(FeedEntry(id: id, title: FeedText.collapsed(item["title"] as? String ?? ""), link: link,
                                     published: date.flatMap(FeedDate.parse), author: authorName(item) ?? feedAuthor,
                                     categories: (item["tags"] as? [String] ?? []).map(FeedText.collapsed).filter { !$0.isEmpty },
                                     excerpt: summary ?? content.flatMap(FeedText.excerpt), links: links))
        }
        return FeedDocument(format: .jsonFeed, title: FeedText.collapsed(feed["title"] as? String ?? ""),
                            link: absolute(feed["home_page_url"] as? String), entries: entries)
    }
}
