import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT handed to a handler instead of ending the process: how `run` stops its
/// streams and how `schedule` stops starting jobs.
final class TerminationSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    /// Gives the signals their default meaning back.
    func restore() {
        for source in sources { source.cancel() }
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}
