import Foundation
import MediaModel

/// Title listings computed once per world version (cleared when titles change).
final class Memo: @unchecked Sendable {
    private let lock = NSLock()
    private var listings: [String: [Int]] = [:]

    func indices(_ key: String, _ build: () -> [Int]) -> [Int] {
        if let cached = lock.withLock({ listings[key] }) { return cached }
        let built = build()
        lock.withLock { listings[key] = built }
        return built
    }

    func clear() {
        lock.withLock { listings.removeAll() }
    }
}

/// A value behind a lock, for state shared by concurrent requests.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
