import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Open iconv descriptors to UTF-8, kept for reuse. Opening one per conversion made glibc
/// load and unload the charset's gconv module (`dlopen`/`dlclose`) every time: a tenth of
/// the read path's time in `parley-bench mail`. A descriptor carries conversion state, so
/// it is used by one thread at a time: taken out for a conversion, reset, and put back.
/// Only charsets iconv knows get an entry, so the pool stays bounded.
final class IconvPool: @unchecked Sendable {
    /// The process-wide pool (a cache of C handles; holds no application state).
    static let shared = IconvPool()

    /// Descriptors kept per charset: enough for every thread of a busy machine.
    private static let keptPerCharset = 8
    private let lock = NSLock()
    /// Idle descriptors by charset name, as bit patterns (`iconv_t` is a raw pointer).
    private var idle: [String: [UInt]] = [:]

    /// Runs `body` with a descriptor converting from `charset` to UTF-8, in its initial
    /// state; nil if iconv does not know `charset`.
    func withDescriptor<R>(from charset: String, _ body: (iconv_t) -> R) -> R? {
        let reused = lock.withLock { idle[charset]?.popLast() }
        let cd: iconv_t
        if let reused, let pointer = iconv_t(bitPattern: reused) {
            cd = pointer
        } else {
            guard let opened = iconv_open("UTF-8", charset), opened != iconv_t(bitPattern: -1) else { return nil }
            cd = opened
        }
        let result = body(cd)
        // Back to the initial shift state for the next user (ISO-2022 is stateful).
        _ = iconv(cd, nil, nil, nil, nil)
        let kept = lock.withLock {
            guard idle[charset, default: []].count < Self.keptPerCharset else { return false }
            idle[charset, default: []].append(UInt(bitPattern: cd))
            return true
        }
        if !kept { iconv_close(cd) }
        return result
    }
}
