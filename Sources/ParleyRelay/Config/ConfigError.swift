/// A configuration problem: which file, which key, what was expected.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String?
    public var message: String

    public init(file: String, key: String?, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(file): \(key): \(message)" }
        return "\(file): \(message)"
    }
}
