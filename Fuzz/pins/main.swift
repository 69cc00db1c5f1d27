import CFuzzerDriver
import Foundation
import FuzzEntries

/// libFuzzer's entry point: one input per call.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzEntry.pins(Data(bytes: start, count: count))
    return 0
}

// Built by scripts/fuzz.sh (`-sanitize=fuzzer,address`, `-DFUZZING`). SwiftPM makes this
// file's top-level code `main`, so it hands over to libFuzzer's driver.
#if FUZZING
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
    fuzz(UnsafeRawPointer(data!), count)
})
#else
FileHandle.standardError.write(Data("build the fuzz targets with scripts/fuzz.sh\n".utf8))
exit(1)
#endif
