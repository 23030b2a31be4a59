import Foundation
import MediaModel

/// Replaces every known secret in a text with `[redacted]`: applied to every error message,
/// log field, alert, event and archived payload a connector or job produces.
///
/// A provider or a proxy can echo a key in another form than it was sent: percent-encoded
/// (either case of hex digits, `+` or `%20` for a space), JSON-escaped (`\/` for `/`), or in
/// base64 (a Basic credential, a token blob). Each secret is searched for in all of them; base64
/// at each of the three alignments a secret can have inside longer encoded text.
public struct Redactor: Sendable, CustomStringConvertible {
    /// Every form of every secret, longest first, so a form that contains another is replaced whole.
    private let forms: [String]
    private let formBytes: [Data]

    public init(secrets: [String]) {
        let forms = Set(secrets.filter { $0.count >= 4 }.flatMap(Self.forms(of:))).filter { $0.utf8.count >= 4 }
        self.forms = forms.sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }
        formBytes = self.forms.map { Data($0.utf8) }
    }

    /// Never the forms themselves: a redactor printed in a log or a failed test shows no key.
    public var description: String { "Redactor(\(forms.count) forms)" }

    public func callAsFunction(_ text: String) -> String {
        var result = text
        for form in forms where result.contains(form) {
            result = result.replacingOccurrences(of: form, with: "[redacted]")
        }
        return result
    }

    /// Whether `data` holds any form of any secret (checked on bytes, without decoding them).
    public func occurs(in data: Data) -> Bool {
        formBytes.contains { data.containsBytes($0) }
    }

    /// The forms in which `secret` may appear in text.
    static func forms(of secret: String) -> [String] {
        let bytes = Array(secret.utf8)
        var forms: Set<String> = [secret]
        for kept in [unreserved, alphanumerics] {
            for digits in ["0123456789ABCDEF", "0123456789abcdef"] {
                for space in ["%20", "+"] {
                    forms.insert(percentEncoded(bytes, keeping: kept, digits: Array(digits.utf8), space: space))
                }
            }
        }
        let json = String(JSONString.quoted(secret).dropFirst().dropLast())
        forms.insert(json)
        forms.insert(json.replacingOccurrences(of: "/", with: "\\/"))
        forms.formUnion(base64Fragments(bytes))
        return Array(forms)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let alphanumerics = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    private static func percentEncoded(_ bytes: [UInt8], keeping kept: Set<UInt8>, digits: [UInt8], space: String)
        -> String
    {
        var output: [UInt8] = []
        for byte in bytes {
            if kept.contains(byte) {
                output.append(byte)
            } else if byte == UInt8(ascii: " ") {
                output += Array(space.utf8)
            } else {
                output += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The base64 characters that depend on the secret's bytes alone, for each of the three
    /// offsets (mod 3) at which the secret can start inside a longer encoded text, in the
    /// standard and the URL-safe alphabet.
    private static func base64Fragments(_ bytes: [UInt8]) -> [String] {
        var fragments: [String] = []
        for lead in 0..<3 {
            let encoded = Array((Data(repeating: 0, count: lead) + Data(bytes)).base64EncodedString().utf8)
            // Character i covers bits 6i..<6i+6; the secret covers bits 8·lead..<8·(lead+n).
            let first = (8 * lead + 5) / 6
            let end = (8 * (lead + bytes.count)) / 6
            guard end - first >= 6 else { continue }
            let standard = String(decoding: encoded[first..<end], as: UTF8.self)
            fragments.append(standard)
            fragments.append(
                standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            )
        }
        return fragments
    }
}
