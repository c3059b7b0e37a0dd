import CGMime

/// One-time GMime set-up; every façade entry point touches ``GMime/ready`` first.
enum GMime {
    /// `g_mime_init()` exactly once, thread-safely (a `static let` initialiser runs once).
    static let ready: Bool = {
        g_mime_init()
        return true
    }()

    /// Copies a borrowed C string (nil stays nil).
    static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    /// Copies and frees a C string GMime allocated.
    static func take(_ p: UnsafeMutablePointer<CChar>?) -> String? {
        guard let p else { return nil }
        defer { g_free(p) }
        return String(cString: p)
    }
}
