import Foundation
import MediaModel

/// An access key pair (and a session token for temporary credentials), and where it came from.
/// Only ``source`` is ever shown: the description never contains a secret.
public struct S3Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// `env:AWS_ACCESS_KEY_ID` or `file:/etc/mediagw/s3.credentials [profile]`: safe to log.
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, source: String = "given") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    public var description: String { "credentials from \(source)" }

    /// The credentials a command uses: from `file` when one is named (in config or with
    /// `--s3-credentials`), else from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
    /// else from the file `AWS_SHARED_CREDENTIALS_FILE` names. The profile is `AWS_PROFILE` or
    /// `default`. Missing credentials are an error that says where they were looked for.
    public static func resolve(
        file: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> S3Credentials {
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        if let file { return try load(file: file, profile: profile) }
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw MediaError(.configuration, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return S3Credentials(
                accessKeyID: key,
                secretAccessKey: secret,
                sessionToken: token,
                source: "env:AWS_ACCESS_KEY_ID"
            )
        }
        if let shared = environment["AWS_SHARED_CREDENTIALS_FILE"], !shared.isEmpty {
            return try load(file: shared, profile: profile)
        }
        throw MediaError(
            .configuration,
            "no object-store credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a credentials "
                + "file (credentials_file: in the job's publish section, or --s3-credentials)"
        )
    }

    /// Reads the AWS shared-credentials format: `[profile]` sections of `aws_access_key_id`,
    /// `aws_secret_access_key` and `aws_session_token`. Errors name the file and line, never a value.
    public static func load(file: String, profile: String = "default") throws -> S3Credentials {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw MediaError(.configuration, "cannot read the credentials file \(file)")
        }
        var section: String?
        var values: [String: String] = [:]
        for (index, raw) in String(decoding: data, as: UTF8.self).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        .enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw MediaError(.configuration, "\(file):\(index + 1): expected 'name = value'")
            }
            guard section == profile else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[name] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], !key.isEmpty,
            let secret = values["aws_secret_access_key"], !secret.isEmpty
        else {
            throw MediaError(
                .configuration,
                "the credentials file \(file) has no aws_access_key_id and aws_secret_access_key in profile [\(profile)]"
            )
        }
        return S3Credentials(
            accessKeyID: key,
            secretAccessKey: secret,
            sessionToken: values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 },
            source: "file:\(file) [\(profile)]"
        )
    }
}
