import CorpusKit
import Foundation
import Fuzzing

// Two builds of one driver. `Scripts/fuzz.sh` builds it with `-sanitize=fuzzer -DFUZZING`: then
// libFuzzer owns `main` and calls the target named by DCCORPUS_FUZZ_TARGET. The ordinary build
// replays files: `dccorpus-fuzz TARGET FILE…` runs each file once and reports what happened.

#if FUZZING
    nonisolated(unsafe) var fuzzTarget: FuzzTarget = .cleaner
    nonisolated(unsafe) var fuzzContext: FuzzContext?

    typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// libFuzzer's entry for programs that keep their own `main`.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // (the C symbol libFuzzer exports; the name is not ours to choose)
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: FuzzCallback
    ) -> CInt

    /// SwiftPM links an executable's `main` to this symbol; libFuzzer runs from here.
    @_cdecl("dccorpus_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        let environment = ProcessInfo.processInfo.environment
        guard let name = environment["DCCORPUS_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
            fatalError("set DCCORPUS_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        fuzzTarget = target
        let root = URL(fileURLWithPath: environment["DCCORPUS_ROOT"] ?? FileManager.default.currentDirectoryPath)
        do {
            fuzzContext = try FuzzContext(root: root)
        } catch {
            fatalError("cannot load the configuration: \(error)")
        }
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector) { start, size in
            let data = start.map { Data(bytes: $0, count: size) } ?? Data()
            do {
                try fuzzTarget.run(data, context: fuzzContext!)
            } catch {
                fatalError("\(fuzzTarget.rawValue): \(error)")
            }
            return 0
        }
    }
#else
    @main
    struct Replay {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
                FileHandle.standardError.write(
                    Data("usage: dccorpus-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} FILE…\n".utf8))
                exit(2)
            }
            let root = URL(
                fileURLWithPath: ProcessInfo.processInfo.environment["DCCORPUS_ROOT"] ?? FileManager.default.currentDirectoryPath)
            let context = try FuzzContext(root: root)
            var failed = false
            for path in arguments.dropFirst() {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                do {
                    try target.run(data, context: context)
                    print("ok \(path)")
                } catch {
                    print("FAIL \(path): \(error)")
                    failed = true
                }
            }
            exit(failed ? 1 : 0)
        }
    }
#endif
