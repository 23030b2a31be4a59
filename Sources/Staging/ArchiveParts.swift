import Foundation
import MediaModel

/// Several payloads of one page archived as a single payload: the calls a page made one by one
/// (a details call per title) cost one archive row, one SHA-256 and one zstd frame together
/// instead of one each, and compress better side by side.
///
/// The bytes, before compression: the line `mediagw-parts 1`, then for each part a JSON header
/// line `{"size":N,"type":"…","location":"…"}`, exactly N bytes of the part as received, and a
/// newline. Each part keeps its own location; a record or quarantined item that came from a part
/// points at the whole payload's SHA-256 and at the part's location. See `docs/formats/archive.md`.
public enum ArchiveParts {
    /// The content type of a payload of parts.
    public static let contentType = "application/x-mediagw-parts"

    /// One payload inside: a page's attachment, or its own payload.
    public typealias Part = StagedPage.Attachment

    private static let magic = Data("mediagw-parts 1\n".utf8)

    private struct Header: Codable {
        var size: Int
        var type: String
        var location: String
    }

    /// The parts as one payload.
    public static func pack(_ parts: [Part]) -> Data {
        var bytes = [UInt8](magic)
        bytes.reserveCapacity(magic.count + parts.reduce(0) { $0 + $1.raw.count + $1.location.utf8.count + 64 })
        for part in parts {
            bytes.append(contentsOf: "{\"size\":\(part.raw.count),\"type\":".utf8)
            JSONString.append(part.contentType, to: &bytes)
            bytes.append(contentsOf: ",\"location\":".utf8)
            JSONString.append(part.location, to: &bytes)
            bytes.append(contentsOf: "}\n".utf8)
            bytes.append(contentsOf: part.raw)
            bytes.append(UInt8(ascii: "\n"))
        }
        return Data(bytes)
    }

    /// The parts of a payload `pack` made; throws on anything else or on a cut-off payload.
    public static func unpack(_ data: Data) throws -> [Part] {
        guard data.starts(with: magic) else { throw failure("it does not begin with \"mediagw-parts 1\"") }
        var parts: [Part] = []
        var offset = data.startIndex + magic.count
        while offset < data.endIndex {
            guard let newline = data[offset...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw failure("part \(parts.count + 1) has no header line")
            }
            let header: Header
            do {
                header = try JSONDecoder().decode(Header.self, from: data[offset..<newline])
            } catch {
                throw failure("part \(parts.count + 1) has an unreadable header")
            }
            let start = newline + 1
            guard (0..<(data.endIndex - start)).contains(header.size), data[start + header.size] == UInt8(ascii: "\n")
            else {
                throw failure("part \(parts.count + 1) (\(header.location)) is cut off")
            }
            let end = start + header.size
            parts.append(Part(raw: Data(data[start..<end]), location: header.location, contentType: header.type))
            offset = end + 1
        }
        return parts
    }

    private static func failure(_ detail: String) -> MediaError {
        MediaError(.badInput, "an archived payload of parts cannot be read: \(detail)")
    }
}
