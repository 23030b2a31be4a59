import Connectors
import Foundation
import Staging

/// Quota accounting in the staging database, shared by every process and run of the day.
public struct StagingQuotaLedger: QuotaLedger {
    let store: any QuotaStore

    public init(store: any QuotaStore) {
        self.store = store
    }

    public func used(provider: String, key: String, day: String) async throws -> Int {
        try store.quotaUsed(provider: provider, key: key, day: day)
    }

    public func charge(provider: String, key: String, day: String, units: Int) async throws -> Int {
        try store.chargeQuota(provider: provider, key: key, day: day, units: units)
    }
}
