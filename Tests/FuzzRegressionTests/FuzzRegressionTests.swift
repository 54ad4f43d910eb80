import CorpusKit
import Foundation
import Testing

@testable import Fuzzing

/// Replays every input the fuzzers ever crashed on (Tests/Fixtures/fuzz/TARGET/), plus the
/// ordinary fixtures, through the same targets `Scripts/fuzz.sh` runs under libFuzzer.
@Suite struct FuzzRegressionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures")
    static let context = Result { try FuzzContext(root: repository) }

    static func files(in relative: String) -> [URL] {
        let folder = fixtures.appendingPathComponent(relative)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Each crash input, and each ordinary fixture with every selector byte the targets read.
    static func inputs(for target: FuzzTarget) -> [(name: String, data: Data)] {
        var inputs = files(in: "fuzz/\(target.rawValue)").map { ($0.lastPathComponent, try! Data(contentsOf: $0)) }
        switch target {
        case .cleaner, .classifier:
            for file in files(in: "seeds") + files(in: "pages") {
                let page = try! Data(contentsOf: file)
                for selector: UInt8 in 0..<12 { inputs.append(("\(file.lastPathComponent)#\(selector)", Data([selector]) + page)) }
            }
        case .config:
            for name in ["pipeline.toml", "lexicon.toml", "sources.toml"] {
                inputs.append((name, try! Data(contentsOf: repository.appendingPathComponent("Config/\(name)"))))
            }
        case .warc:
            break
        case .archive:
            // Each selector: 0 ARC, 1 MHTML, 2 a WACZ as given, 3 a WACZ around the input as its manifest.
            let arcs = (files(in: "foreign/warcio") + files(in: "foreign/pywb")).filter { $0.pathExtension == "arc" }
            let mhtml = files(in: "browser").filter { $0.pathExtension == "mhtml" }
            let wacz = (files(in: "foreign/pywb") + files(in: "packages")).filter { $0.pathExtension == "wacz" }
            for (selector, group) in [(UInt8(0), arcs), (1, mhtml), (2, wacz)] {
                for file in group {
                    inputs.append(("\(file.lastPathComponent)#\(selector)", Data([selector]) + (try! Data(contentsOf: file))))
                }
            }
            let manifest = Data(#"{"resources": [{"path": "archive/data.warc", "hash": "sha256:00"}]}"#.utf8)
            inputs.append(("manifest#3", Data([3]) + manifest))
        case .pdf:
            for file in (files(in: "browser") + files(in: "packages")) where file.pathExtension == "pdf" {
                inputs.append((file.lastPathComponent, try! Data(contentsOf: file)))
            }
        }
        return inputs
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyKnownInputKeepsThePromises(_ target: FuzzTarget) throws {
        let context = try Self.context.get()
        let inputs = Self.inputs(for: target)
        #expect(inputs.count >= 3, "the regression inputs of \(target.rawValue) are missing")
        for input in inputs {
            #expect(throws: Never.self, "\(target.rawValue): \(input.name)") { try target.run(input.data, context: context) }
        }
    }

    /// The check every target ends with does fail: a foreign error, a wrong stage.
    @Test func rejectionsThatBreakTheRulesAreFailures() {
        #expect(throws: FuzzFailure.self) {
            try FuzzTarget.expectRejection(CocoaError(.fileReadUnknown), stages: [.config], what: "load")
        }
        #expect(throws: FuzzFailure.self) {
            try FuzzTarget.expectRejection(CorpusError(file: "a", stage: .read, reason: "x"), stages: [.config], what: "load")
        }
        #expect(throws: Never.self) {
            try FuzzTarget.expectRejection(CorpusError(file: "a", stage: .config, reason: "x"), stages: [.config], what: "load")
        }
    }
}
