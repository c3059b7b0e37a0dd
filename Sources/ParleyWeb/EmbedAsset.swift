import Foundation
import ParleyRelay

/// A file of the embed (script or stylesheet), read once, with a strong ETag.
struct EmbedAsset: Sendable {
    let bytes: [UInt8]
    let type: String
    let etag: String

    init?(path: String, type: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        bytes = Array(data)
        self.type = type
        etag = "\"\(PublishedView.contentHash(bytes))-\(bytes.count)\""
    }
}
