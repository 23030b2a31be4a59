import Foundation

/// Where installed models live: `$MEDIAGW_MODELS`, else `$XDG_DATA_HOME/mediagw/models`, else
/// `~/.local/share/mediagw/models` — the same rule `scripts/install-model.sh` follows.
public enum ModelDirectory {
    /// The model mediagw embeds with unless told otherwise.
    public static let defaultModel = "all-MiniLM-L6-v2"

    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let models = environment["MEDIAGW_MODELS"], !models.isEmpty { return models }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/mediagw/models" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/mediagw/models"
    }

    /// The directory of the default model under ``root(environment:)``.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        root(environment: environment) + "/" + defaultModel
    }
}
