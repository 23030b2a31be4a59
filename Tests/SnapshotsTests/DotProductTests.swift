import CVectorKernels
import MediaModel
import Testing

@testable import Snapshots

/// The int8 dot product of the vector index: the AVX2 kernel gives exactly the integer of a
/// plain loop, for every length (a tail shorter than 16 values too) and the extreme codes.
@Suite struct DotProductTests {
    @Test(arguments: [0, 1, 15, 16, 17, 31, 384, 385, 1000])
    func theKernelMatchesAPlainLoop(count: Int) {
        var generator = SplitMix64(seed: UInt64(count) + 1)
        var a = (0..<count).map { _ in Int8(truncatingIfNeeded: generator.next()) }
        var b = (0..<count).map { _ in Int8(truncatingIfNeeded: generator.next()) }
        if count >= 2 {
            // The extremes: −128·−128 and 127·127 side by side, the largest pair sums.
            a[0] = -128
            b[0] = -128
            a[1] = -128
            b[1] = -128
        }
        let expected = zip(a, b).reduce(Int32(0)) { $0 &+ Int32($1.0) &* Int32($1.1) }
        let kernel = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                QuantizedVectors.dot(
                    a.baseAddress ?? UnsafePointer(bitPattern: 1)!,
                    b.baseAddress ?? UnsafePointer(bitPattern: 1)!,
                    count: count
                )
            }
        }
        #expect(kernel == expected)
        let plain = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in mediagw_dot_i8_plain(a.baseAddress, b.baseAddress, count) }
        }
        #expect(plain == expected)
    }

    #if arch(x86_64)
        /// This machine kind has AVX2 (the machine notes): the fast path must be the one taken.
        @Test func theAVX2PathIsTakenWhereTheProcessorHasIt() throws {
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            #expect((mediagw_dot_i8_uses_avx2() == 1) == cpuinfo.contains(" avx2"))
        }
    #endif
}
