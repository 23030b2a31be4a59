import TestSupport
import Testing

/// The test SeaweedFS refuses to start when one of its ports is another's gRPC companion (port +
/// 10000): "port … is reserved for gRPC calculation". A CI run failed on such a draw.
@Suite struct TestServerPortTests {
    @Test func noPortIsAnotherPortsGRPCCompanion() throws {
        // About one draw in 200 collided under the old rule; 1,000 draws make a miss near certain.
        for _ in 0..<1000 {
            let ports = try SeaweedFS.freePorts(7)
            let companions = ports.map { $0 + 10_000 }
            #expect(Set(ports + companions).count == 2 * ports.count, "\(ports)")
        }
    }
}
