import Foundation
import GRDB
import MediaModel

extension StagingStore {
    /// Replaces the review list with the last resolution's.
    public func saveReviewPairs(_ pairs: [ReviewPair]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rows = try pairs.map { ($0, String(decoding: try encoder.encode($0.scores), as: UTF8.self)) }
        try write { db in
            try db.execute(sql: "DELETE FROM review_pairs")
            let insert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO review_pairs (a, b, score, scores) VALUES (?, ?, ?, ?)"
            )
            for (pair, scores) in rows { try insert.execute(arguments: [pair.a, pair.b, pair.scores.score, scores]) }
        }
    }

    /// The review list, highest score first.
    public func reviewPairs(limit: Int = 100) throws -> [ReviewPair] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM review_pairs ORDER BY score DESC, a, b LIMIT ?",
                arguments: [limit]
            )
            .map { row in
                let scores: String = row["scores"]
                return ReviewPair(
                    a: row["a"],
                    b: row["b"],
                    scores: try JSONDecoder().decode(PairScore.self, from: Data(scores.utf8))
                )
            }
        }
    }
}
