import MediaModel
import Search

/// A response body that can write itself with `JSONWriter`: the same bytes `JSONEncoder` gives
/// (tests compare them), at a fraction of the CPU. Returns false where it holds a part written
/// only through `Encodable` (an explanation), and the encoder is used instead.
protocol JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool
}

extension CanonicalTitle: JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool {
        writer.write(self)
        return true
    }
}

extension SearchHitBody: JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool {
        guard explanation == nil else { return false }
        writer.beginObject()
        writer.field("matchedOffers", matchedOffers) { $0.write($1) }
        writer.key("score")
        writer.value(score)
        writer.key("title")
        writer.write(title)
        writer.endObject()
        return true
    }
}

extension SearchBody: JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool {
        writer.beginObject()
        writer.field("facets", facets) { writer, counts in
            writer.beginArray()
            for count in counts {
                writer.beginObject()
                writer.field("count", count.count)
                writer.field("value", count.value)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.field("limit", limit)
        writer.field("mode", mode)
        writer.field("notice", notice)
        writer.field("offset", offset)
        writer.field("query", query)
        return writer.endPage(results, snapshot: snapshot, total: total)
    }
}

extension SimilarBody: JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool {
        writer.beginObject()
        writer.field("id", id)
        writer.field("limit", limit)
        writer.field("offset", offset)
        return writer.endPage(results, snapshot: snapshot, total: total)
    }
}

extension AvailabilityBody: JSONWritable {
    func write(to writer: inout JSONWriter) -> Bool {
        writer.beginObject()
        writer.field("from", from)
        writer.field("limit", limit)
        writer.field("offset", offset)
        writer.field("on", on)
        writer.field("results", results) { writer, hit in
            writer.beginObject()
            writer.field("day", hit.day)
            writer.field("matchedOffers", hit.matchedOffers) { $0.write($1) }
            writer.key("title")
            writer.write(hit.title)
            writer.endObject()
        }
        writer.field("snapshot", snapshot)
        writer.field("to", to)
        writer.field("total", total)
        writer.endObject()
        return true
    }
}

extension JSONWriter {
    /// The last members of a page of search hits (`results`, `snapshot`, `total`, keys sorted
    /// after every other member's) and the object's end; false when a hit cannot be written here.
    fileprivate mutating func endPage(_ hits: [SearchHitBody], snapshot: String, total: Int) -> Bool {
        key("results")
        beginArray()
        for hit in hits {
            guard hit.write(to: &self) else { return false }
        }
        endArray()
        field("snapshot", snapshot)
        field("total", total)
        endObject()
        return true
    }
}
