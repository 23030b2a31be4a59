// A libFuzzer target for everything that reads bytes from outside: the snapshot reader, the
// archive's payloads of parts, and the JSONL and compact decoders (`docs/operations.md`, fuzzing).
//
// Built for fuzzing (`scripts/fuzz.sh`): `-sanitize=fuzzer,address -DFUZZING`, and libFuzzer
// drives `LLVMFuzzerTestOneInput`. Built plainly: `mediagw-fuzz seeds DIR` writes the seed
// corpus and `mediagw-fuzz replay FILE…` runs inputs once each (crashes found become fixtures).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count))
    return 0
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif

@main struct FuzzTool {
    static func main() throws {
        #if FUZZING
            // SwiftPM names this the entry point; libFuzzer's own driver takes it from here. The
            // seeds run once first, so that one-time initialization (globals, caches) is not taken
            // for a leak of whichever input happens to trigger it.
            for (_, input) in try Seeds.make() { input.withUnsafeBytes { FuzzInput.run($0) } }
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) })
        #else
            let arguments = Array(CommandLine.arguments.dropFirst())
            switch arguments.first {
            case "seeds" where arguments.count == 2:
                try Seeds.write(to: arguments[1])
            case "snapshot" where arguments.count == 3:
                // The snapshot file an input makes (checksums corrected for selector 1), for a fixture.
                let input = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
                let body = Data(input.dropFirst())
                try (input.first == 1 ? FuzzInput.fixingChecksums(body) : body).write(
                    to: URL(fileURLWithPath: arguments[2])
                )
            case "replay" where arguments.count >= 2:
                for file in arguments.dropFirst() {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                    bytes.withUnsafeBytes { FuzzInput.run($0) }
                    print("ok \(file)")
                }
            default:
                FileHandle.standardError.write(
                    Data("usage: mediagw-fuzz seeds DIR | replay FILE… | snapshot INPUT OUTPUT\n".utf8)
                )
                exit(64)
            }
        #endif
    }
}
