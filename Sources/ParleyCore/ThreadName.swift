import Foundation

/// The name a thread shows in `top -H`, `ps -L` and /proc (at most 15 bytes), set
/// through /proc/thread-self/comm (Foundation's `Thread.name` does not reach the kernel).
public enum ThreadName {
    public static func set(_ name: String) {
        guard let file = fopen("/proc/thread-self/comm", "w") else { return }
        _ = fputs(String(decoding: name.utf8.prefix(15), as: UTF8.self), file)
        fclose(file)
    }
}
