import Archiving
import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import RecordBuilding

/// Every fixture page's record, byte for byte: the SHA-256 of each record file is pinned in
/// `Tests/Fixtures/records.sha256`. A refactoring must leave every line as it is; a change that
/// means to change records regenerates the list (`DCCORPUS_UPDATE_GOLDEN=1 swift test --filter
/// GoldenRecord`) and the diff shows which records moved, in the same commit as the change.
@Suite struct GoldenRecordTests {
    static let listURL = Fixtures.folder.appendingPathComponent("records.sha256")

    /// Each fixture's record file with fixed provenance (file name, capture time, WARC place).
    static func recordDigests() throws -> [(name: String, digest: String)] {
        let builder = RecordBuilder(config: try Fixtures.config())
        var lines: [(String, String)] = []
        for folder in ["pages", "seeds"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.folder.appendingPathComponent(folder).path).sorted()
            for name in names where !name.hasPrefix(".") {
                let relative = "\(folder)/\(name)"
                let bytes = try Fixtures.data(relative)
                let source = SourceInfo(url: nil, file: name, retrievedAt: "2026-01-01T00:00:00Z")
                let capture = Capture(
                    bytes: bytes, format: name.hasSuffix(".txt") ? .text : .html, source: source,
                    headerCharset: nil, displayName: name)
                let digest: String
                do {
                    let (_, file) = try builder.buildWithFile(
                        capture, archive: ArchiveLocation(warc: "data/warc/golden.warc.gz", recordID: "<urn:uuid:golden>"))
                    digest = Digest.sha256Hex(file)
                } catch let error as CorpusError {
                    digest = "refused: \(error.stage.rawValue): \(error.reason)"
                }
                lines.append((relative, digest))
            }
        }
        return lines
    }

    @Test func everyFixtureGivesThePinnedRecordBytes() throws {
        let lines = try Self.recordDigests().map { "\($0.digest)  \($0.name)" }
        let text = lines.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["DCCORPUS_UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: Self.listURL, options: .atomic)
            return
        }
        let pinned = (try? String(contentsOf: Self.listURL, encoding: .utf8)) ?? ""
        let expected = pinned.split(separator: "\n").map(String.init)
        #expect(lines.count >= 15, "the fixtures are all there")
        for line in lines where !expected.contains(line) {
            Issue.record("record bytes changed: \(line)")
        }
        for line in expected where !lines.contains(line) {
            Issue.record("pinned record no longer produced: \(line)")
        }
    }
}
