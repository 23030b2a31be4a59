import Foundation
import GRDB

/// A pair of source records the matcher was unsure about, with its scores as JSON.
public struct StoredReviewPair: Sendable, Codable, Equatable {
    public var a: String
    public var b: String
    public var score: Double
    public var scoresJSON: String

    public init(a: String, b: String, score: Double, scoresJSON: String) {
        self.a = a
        self.b = b
        self.score = score
        self.scoresJSON = scoresJSON
    }
}

extension StagingStore {
    /// Replaces the review list with the last resolution's.
    public func saveReviewPairs(_ pairs: [StoredReviewPair]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM review_pairs")
            let insert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO review_pairs (a, b, score, scores) VALUES (?, ?, ?, ?)"
            )
            for pair in pairs { try insert.execute(arguments: [pair.a, pair.b, pair.score, pair.scoresJSON]) }
        }
    }

    /// The review list, highest score first.
    public func reviewPairs(limit: Int = 100) throws -> [StoredReviewPair] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM review_pairs ORDER BY score DESC, a, b LIMIT ?",
                arguments: [limit]
            )
            .map { StoredReviewPair(a: $0["a"], b: $0["b"], score: $0["score"], scoresJSON: $0["scores"]) }
        }
    }
}
