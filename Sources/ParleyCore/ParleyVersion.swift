/// Parley's version, as `parley --version` prints it and the feed reader's User-Agent
/// names it.
public enum ParleyVersion {
    public static let current = "0.7.0"
}
