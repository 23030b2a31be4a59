/// The tool's version, shown by `--version` and recorded in snapshots.
public enum MediagwVersion {
    public static let current = "0.1.0"
}
