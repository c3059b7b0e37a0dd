import Foundation

/// A file of the embed (script or stylesheet), read once, with a strong ETag.
struct EmbedAsset: Sendable {
    let bytes: [UInt8]
    let type: String
    let etag: String

    init?(path: String, type: String) {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        bytes = Array(data)
        self.type = type
        // FNV-1a, 64 bits: the ETag only has to change when the file does.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        etag = "\"\(String(hash, radix: 16))-\(bytes.count)\""
    }
}
