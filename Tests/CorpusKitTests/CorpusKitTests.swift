import Foundation
import Synchronization
import TOMLKit
import TestSupport
import Testing

@testable import CorpusKit

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysAndEscapesMinimally() throws {
        let value: JSONValue = .object(["b": .int(1), "a": .string("x\"y\\z\n\u{01}中"), "c": .array([.null, .bool(true), .double(0.75)])])
        #expect(String(decoding: value.canonicalData(), as: UTF8.self) == #"{"a":"x\"y\\z\n\u0001中","b":1,"c":[null,true,0.75]}"#)
    }

    @Test func prettyFormIsSortedAndIndented() {
        let value: JSONValue = .object(["z": .array([]), "a": .object([:])])
        #expect(String(decoding: value.prettyData(), as: UTF8.self) == "{\n  \"a\": {},\n  \"z\": []\n}\n")
    }

    @Test func wholeDoublesPrintAsIntegers() {
        #expect(String(decoding: JSONValue.double(1.0).canonicalData(), as: UTF8.self) == "1")
    }

    /// RFC 8785 appendix B: IEEE 754 bit patterns and the text ECMAScript gives them.
    @Test(
        arguments: [
            (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"), (0x8000_0000_0000_0001, "-5e-324"),
            (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"), (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"), (0xc340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"), (0x44b5_2d02_c7e1_4af6, "1e+23"),
            (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
            (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"), (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
            (0x444b_1ae4_d6e2_ef50, "1e+21"),
            (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"), (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
            (0x41b3_de43_5555_5553, "333333333.3333332"), (0x41b3_de43_5555_5554, "333333333.33333325"),
            (0x41b3_de43_5555_5555, "333333333.3333333"), (0x41b3_de43_5555_5556, "333333333.3333334"),
            (0x41b3_de43_5555_5557, "333333333.33333343"),
            (0xbecb_f647_612f_3696, "-0.0000033333333333333333"), (0x4314_3ff3_c1cb_0959, "1424953923781206.2")
        ] as [(UInt64, String)])
    func numbersAreWrittenAsECMAScriptDoes(bits: UInt64, text: String) {
        #expect(JSONValue.formatNumber(Double(bitPattern: bits)) == text)
    }

    /// The README sample of the JCS reference implementation, and the edges of the plain form.
    @Test func numbersAtTheEdgesOfThePlainForm() {
        let samples: [(Double, String)] = [
            (1e30, "1e+30"), (4.5, "4.5"), (6, "6"), (2e-3, "0.002"), (1e-27, "1e-27"),
            (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1e16, "10000000000000000"), (123e18, "123000000000000000000"),
            (-0.75, "-0.75"), (0.1, "0.1"), (12.5, "12.5")
        ]
        for (value, text) in samples { #expect(JSONValue.formatNumber(value) == text, "\(value)") }
    }
}

@Suite struct ConfigTests {
    /// TOML is walked into JSON values directly, exactly as its JSON conversion read back by
    /// JSONDecoder gives them: every shipped config file, and the value types they could hold.
    @Test func tomlIsReadAsItsJSONConversionReads() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = repository.appendingPathComponent("Config")
        var texts = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(texts.count >= 3)
        texts.append(
            #"""
            top = 1
            big = 9007199254740993
            negative = -42
            half = 0.5
            whole = 2.0
            exp = 1e3
            tiny = 1e-7
            yes = true
            text = "数字中国 \\ \"quoted\" \u00e9"
            empty = []
            mixed = [1, 2.5, "x", [true], { a = 1 }]
            [nested.deeper]
            list = ["a", "b"]
            [[tables]]
            n = 1
            [[tables]]
            n = 2.25
            [empty_table]
            """#)
        for text in texts {
            let table = try TOMLTable(string: text)
            let direct = try #require(CorpusConfig.converted(table))
            #expect(direct == (try JSONValue.parse(Data(table.convert(to: .json).utf8))))
            #expect(try CorpusConfig.parseTOML(text, file: "t.toml") == direct)
        }
        // A date is left to the JSON conversion.
        #expect(CorpusConfig.converted(try TOMLTable(string: "when = 2026-11-23")) == nil)
        #expect(try CorpusConfig.parseTOML("when = 2026-11-23", file: "t.toml")["when"] == .string("2026-11-23"))
    }

    @Test func theShippedConfigLoads() throws {
        let config = try Fixtures.config()
        #expect(config.lexicon.topics.count == 13)
        #expect(config.lexicon.topics.map(\.lesson) == Array(1...13))
        #expect(config.pipeline.maxInputBytes == 32 << 20)
        #expect(config.pipeline.boilerplatePhrases.contains("PHP Code Snippets Powered By"))
        #expect(config.configSHA256.count == 64)
    }

    @Test func theBuiltInConfigIsTheShippedConfigByteForByte() throws {
        let shipped = try Fixtures.config()
        let builtIn = try CorpusConfig.shipped()
        #expect(builtIn.files.map(\.text) == shipped.files.map(\.text), "run Scripts/embed-config.py after editing Config/")
        #expect(builtIn.configSHA256 == shipped.configSHA256)
    }

    @Test func initWritesTheShippedFilesByteForByteAndKeepsTheUsersOwn() throws {
        let folder = try TemporaryFolder("init")
        let root = folder.url.appendingPathComponent("new root")
        let lines = try WorkingRoot.create(at: root, samples: true)
        for name in ["pipeline.toml", "lexicon.toml", "sources.toml", "corpus.schema.json"] {
            let shipped = try Data(contentsOf: Fixtures.repository.appendingPathComponent("Config/\(name)"))
            #expect(try Data(contentsOf: root.appendingPathComponent("Config/\(name)")) == shipped, "run Scripts/embed-config.py: \(name)")
        }
        let seeds = try FileManager.default.contentsOfDirectory(atPath: Fixtures.folder.appendingPathComponent("seeds").path).sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Inbox").path).sorted() == seeds)
        for seed in seeds {
            #expect(
                try Data(contentsOf: root.appendingPathComponent("Inbox/\(seed)"))
                    == Data(contentsOf: Fixtures.folder.appendingPathComponent("seeds/\(seed)")))
        }
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Archive").path))
        #expect(lines.filter { $0.hasPrefix("wrote") }.count == 4)
        // A second init keeps what the user edited.
        try Data("# mine\n".utf8).write(to: root.appendingPathComponent("Config/sources.toml"))
        let again = try WorkingRoot.create(at: root, samples: false)
        #expect(again.filter { $0.hasPrefix("kept") }.count == 4)
        #expect(try String(contentsOf: root.appendingPathComponent("Config/sources.toml"), encoding: .utf8) == "# mine\n")
    }

    @Test func noConfigFolderMeansTheBuiltInConfigButABrokenOneIsAnError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-noconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try CorpusConfig.load(root: root).configSHA256 == CorpusConfig.shipped().configSHA256)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Config"), withIntermediateDirectories: true)
        #expect(throws: CorpusError.self) { try CorpusConfig.load(root: root) }
    }

    @Test func anUnknownKeyIsNamed() {
        #expect(throws: CorpusError(file: "p.toml", stage: .config, reason: "unknown key limits.max_input_byte")) {
            try CorpusConfig.parsePipeline("[limits]\nmax_input_byte = 5\n", file: "p.toml")
        }
    }

    @Test func aWrongTypeIsNamed() {
        #expect(throws: CorpusError(file: "p.toml", stage: .config, reason: "limits.max_blocks must be an integer")) {
            try CorpusConfig.parsePipeline("[limits]\nmax_blocks = \"many\"\n", file: "p.toml")
        }
    }

    @Test func anOutOfRangeValueIsNamed() {
        #expect(throws: CorpusError(file: "p.toml", stage: .config, reason: "limits.max_blocks must be between 1 and 10000000")) {
            try CorpusConfig.parsePipeline("[limits]\nmax_blocks = 0\n", file: "p.toml")
        }
    }

    @Test func brokenTOMLGivesTheLine() throws {
        do {
            _ = try CorpusConfig.parsePipeline("[limits]\nmax_blocks = = 3\n", file: "p.toml")
            Issue.record("no error")
        } catch let error as CorpusError {
            #expect(error.stage == .config)
            #expect(error.reason.hasPrefix("line 2"))
        }
    }

    /// toml++ aborted the process on a table header that does not start with a key (found by fuzzing).
    @Test(arguments: [
        "[\u{FFFD}", "[中]\n", "[[中]]\n", "[a]\nb = 1 中\n", "[#", "[[ .a]]", "x = 1\n  [=]", "s=[}", "s = [1, {a = 1]]", "n=1979-05-27T:",
        "n = [1979-05-27tx]"
    ])
    func nonASCIIOutsideStringsIsRefusedBeforeTheParser(_ text: String) {
        do {
            _ = try CorpusConfig.parsePipeline(text, file: "p.toml")
            Issue.record("no error for \(text.debugDescription)")
        } catch let error as CorpusError {
            #expect(error.stage == .config)
            #expect(error.reason.hasPrefix("line "), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func nonASCIIInsideStringsAndCommentsIsFine() throws {
        let text = #"""
            # 注释 comment
            [cleaning] # 又一个
            boilerplate_phrases = ["中文", 'literal 中', """multi "quoted" 中
            line\\""""", '''raw ''中''''', "escaped \" 中"]
            """#
        let config = try CorpusConfig.parsePipeline(text, file: "p.toml")
        #expect(config.boilerplatePhrases == ["中文", "literal 中", "multi \"quoted\" 中\nline\\\"\"", "raw ''中''", "escaped \" 中"])
        #expect(TOMLLexicalCheck.firstProblem("a = \"x\"\n[b]\n中 = 1")?.line == 3)
        #expect(TOMLLexicalCheck.firstProblem("a = [\n  [1, 2],\n  [3],\n]\n[ b ]\n[[\"q\"]]\n") == nil)
        #expect(TOMLLexicalCheck.firstProblem("d = 1979-05-27T07:32:00Z\nt = 1979-05-27t07:32:00\n1979-05-27Tx = 1\n") == nil)
    }

    @Test func anUnknownKindIsNamed() {
        #expect(throws: CorpusError.self) {
            try CorpusConfig.parseLexicon("[[kind_rules]]\nkind = \"novel\"\nphrases = [\"x\"]\n", file: "l.toml")
        }
    }
}

@Suite struct RecordTests {
    static func sample() -> CorpusRecord {
        CorpusRecord(
            id: "lesson-5", kind: .lesson, languages: ["en", "zh"], title: Bilingual(en: "T", zh: "标题"), headline: nil,
            classification: ClassificationInfo(kind: .lesson, confidence: 0.9, evidence: ["Lesson 5 of 13"]),
            series: SeriesInfo(name: "S", lesson: 5, of: 13), published: "2025-04-11", publisher: nil, video: nil,
            synopsis: Bilingual(), terms: [Term(en: "a", zh: "乙", footnote: nil)], transcript: [], footnotes: [],
            topics: ["digital-government"], text: "text",
            provenance: Provenance(
                source: SourceInfo(file: "x.txt", retrievedAt: "2025-04-11T00:00:00Z"), rawSHA256: String(repeating: "a", count: 64),
                textSHA256: Digest.sha256Hex("text"), archive: ArchiveLocation(warc: "data/warc/x.warc.gz", recordID: "<urn:uuid:1>"),
                pipeline: PipelineInfo(version: "0", configSHA256: String(repeating: "b", count: 64))))
    }

    @Test func nullsAreExplicitAndTheHashLeavesItselfOut() throws {
        let record = try Self.sample().sealed()
        let json = String(decoding: try record.fileData(), as: UTF8.self)
        #expect(json.contains("\"headline\": null"))
        #expect(json.contains("\"footnote\": null"))
        #expect(record.provenance.recordSHA256 == (try record.computeRecordHash()))
        var changed = record
        changed.text = "other"
        #expect(try changed.computeRecordHash() != record.provenance.recordSHA256)
        let decoded = try CorpusRecord.decode(try record.fileData(), file: "x")
        #expect(decoded == record)
        #expect(try decoded.fileData() == (try record.fileData()))
    }

    @Test func aMissingFieldIsNamed() {
        #expect(throws: CorpusError(file: "x", stage: .validate, reason: "record does not decode: missing key kind")) {
            try CorpusRecord.decode(Data(#"{"id":"a"}"#.utf8), file: "x")
        }
    }

    @Test func streamingDigestMatchesInMemory() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        let data = Data((0..<3_000_000).map { UInt8($0 % 251) })
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let streamed = try Digest.sha256File(at: url)
        #expect(streamed.hex == Digest.sha256Hex(data))
        #expect(streamed.size == 3_000_000)
    }
}

@Suite struct ErrorTests {
    /// Found by fuzzing the WARC reader: a malformed field quoted a bare line feed.
    @Test func anErrorIsAlwaysOneLine() {
        let error = CorpusError(file: "in\nbox\u{2028}.html", stage: .warc, reason: "malformed field: a\nb\r\u{1}\tc")
        #expect(error.description == #"in\nbox\u{2028}.html: warc: malformed field: a\nb\r\u{1}\tc"#)
    }

    /// A failed system call keeps its errno, so a full disk (ENOSPC) is told apart without reading the text.
    @Test func aFailedWriteCarriesItsSystemCode() {
        let target = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.json")
        do {
            try FileIO.writeNew(Data("x".utf8), to: target, durable: false)
            Issue.record("no error")
        } catch let error as CorpusError {
            #expect(error.systemCode == ENOENT)
            #expect(error.description == "\(target.path): archive: create failed: No such file or directory")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// The folder is made on demand (only when the first create finds it missing); the file
    /// replaces an older one whole, and no temporary file is left beside it.
    @Test func anAtomicWriteMakesItsFolderAndLeavesNoTemporaryFile() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let target = base.appendingPathComponent("a/b/out.txt")
        try FileIO.writeAtomically(Data("first".utf8), to: target, durable: false)
        try FileIO.writeAtomically(Data("second".utf8), to: target, durable: true)
        #expect(try String(contentsOf: target, encoding: .utf8) == "second")
        #expect(FileIO.names(in: target.deletingLastPathComponent()) == ["out.txt"])
        // A folder that cannot be made is the error, named by the file the caller asked for.
        let blocked = base.appendingPathComponent("file")
        try FileIO.writeAtomically(Data("x".utf8), to: blocked, durable: false)
        let inside = blocked.appendingPathComponent("inside.txt")
        #expect(throws: CorpusError(file: inside.path, stage: .archive, reason: "create failed: Not a directory", systemCode: ENOTDIR)) {
            try FileIO.writeAtomically(Data("y".utf8), to: inside, durable: false)
        }
        // A folder that cannot be made (a file stands where a parent must go) is an error of
        // the archive stage naming the folder.
        do {
            try FileIO.makeFolder(blocked.appendingPathComponent("sub"))
            Issue.record("no error")
        } catch let error as CorpusError {
            #expect(error.file == blocked.appendingPathComponent("sub").path && error.stage == .archive)
            #expect(error.reason.hasPrefix("could not make the folder: "))
        }
    }
}

@Suite struct CalendarDateTests {
    /// Found by fuzzing the classifier: a dateline "2022-11-72" became the record's `published`.
    @Test func onlyRealDaysAreDates() {
        #expect(CalendarDate.string(year: 2022, month: 11, day: 72) == nil)
        #expect(CalendarDate.string(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDate.string(year: 2024, month: 2, day: 29) == "2024-02-29")
        #expect(CalendarDate.string(year: 2025, month: 13, day: 1) == nil)
        #expect(CalendarDate.prefix(of: " 2025-04-11T09:00:00+08:00") == "2025-04-11")
        #expect(CalendarDate.prefix(of: "2025-04-31") == nil)
        #expect(!CalendarDate.isValid("2025-4-11"))
        #expect(CalendarDate.isValid("1900-12-31"))
    }
}

@Suite struct JSONValueEncoderTests {
    struct Sample: Encodable {
        var name = "x\"y"
        var none: String? = nil
        var whole = 1.0
        var fraction = 0.75
        var big: UInt64 = .max
        var nested = [["a": [1, 2]], ["b": []]]
        var flags = [true, false]
        var optionals: [Int?] = [1, nil]
    }

    /// The direct encoder gives what writing JSON text and reading it back gave.
    @Test func theTreeIsWhatTheTextRoundTripGave() throws {
        let viaText = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(Sample()))
        let direct = try JSONValue.from(Sample())
        #expect(direct.canonicalData() == viaText.canonicalData())
        #expect(direct["whole"] == .int(1) && direct["none"] == nil, "nil optionals are left out, as JSONEncoder leaves them")
        let record = Fixtures.record("lesson-3", kind: .lesson, lesson: 3, title: Bilingual(en: "T", zh: "题"), text: "Body.")
        let recordViaText = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(record))
        #expect(try JSONValue.from(record) == recordViaText)
    }
}

@Suite struct HeaderFieldsTests {
    @Test func namesValuesFoldingAndColonsInValues() {
        let fields = HeaderFields.parse([
            "WARC-Type: response", "WARC-Target-URI:  https://x.example/a:b ", "Note: first", "\tsecond", "", "junk"
        ])
        #expect(fields.map(\.name) == ["WARC-Type", "WARC-Target-URI", "Note"])
        #expect(fields.map(\.value) == ["response", "https://x.example/a:b", "first second"])
    }

    @Test func aMalformedLineGoesToTheCaller() {
        struct Malformed: Error {}
        #expect(throws: Malformed.self) { try HeaderFields.parse(["A: 1", "no colon here"]) { _ in throw Malformed() } }
        #expect(HeaderFields.split("Content-Length:0")! == ("Content-Length", "0"))
        #expect(HeaderFields.split("no colon") == nil)
    }
}

@Suite struct PiecesTests {
    /// Byte-wise splitting agrees with Foundation's on texts without combining sequences
    /// across the separator (record text and WARC headers), including empty and repeated pieces.
    @Test(arguments: ["", "a", "\n\n", "a\n\nb", "a\n\n\nb", "\n\n\n\na\n\n", "数字\n\n中国\n\n\n\n建设", "a\nb\n\nc\n"])
    func agreesWithFoundation(_ text: String) {
        #expect(text.pieces(separatedBy: "\n\n") == text.components(separatedBy: "\n\n"))
    }

    @Test func splitsHeaderLines() {
        #expect("A: 1\r\nB: 2\r\n\r\n".pieces(separatedBy: "\r\n") == ["A: 1", "B: 2", "", ""])
        #expect("x#y#".pieces(separatedBy: "#") == ["x", "y", ""])
        #expect("abc".pieces(separatedBy: "abcd") == ["abc"])
        #expect("aaa".pieces(separatedBy: "aa") == ["", "a"])
    }
}

@Suite struct ParallelTests {
    @Test func mapKeepsOrder() {
        #expect(Parallel.map(count: 100, jobs: 3) { $0 * $0 } == (0..<100).map { $0 * $0 })
    }

    /// The consumer sees every result in order, and the producer never runs more than `ahead`
    /// results past what was consumed.
    @Test func pipelineIsOrderedAndBounded() throws {
        let produced = Atomic<Int>(0)
        var consumed: [Int] = []
        var furthestAhead = 0
        try Parallel.pipeline(
            count: 50, ahead: 2,
            produce: { index in
                produced.add(1, ordering: .sequentiallyConsistent)
                return index * 10
            },
            consume: { index, value in
                furthestAhead = max(furthestAhead, produced.load(ordering: .sequentiallyConsistent) - index)
                consumed.append(value)
            })
        #expect(consumed == (0..<50).map { $0 * 10 })
        // Produced before this one was taken: this one, and at most `ahead` more in flight.
        #expect(furthestAhead <= 3)
    }

    /// A failing consumer stops production and the error comes out; nothing runs afterwards.
    @Test func pipelineStopsWhenTheConsumerThrows() {
        struct Stop: Error {}
        let produced = Atomic<Int>(0)
        #expect(throws: Stop.self) {
            try Parallel.pipeline(
                count: 1000, ahead: 1,
                produce: { index in
                    produced.add(1, ordering: .sequentiallyConsistent)
                    return index
                },
                consume: { index, _ in if index == 3 { throw Stop() } })
        }
        let after = produced.load(ordering: .sequentiallyConsistent)
        #expect(after <= 6)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(produced.load(ordering: .sequentiallyConsistent) == after)
    }
}

@Suite struct ArchiveSettingsTests {
    static let shipped = { () -> String in
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/pipeline.toml")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// `[archive]` is optional; its gzip level defaults to 1 and must be a libdeflate level.
    @Test func theGzipLevelIsALibdeflateLevel() throws {
        #expect(Self.shipped.contains("[limits]"))
        #expect(try CorpusConfig.parsePipeline(Self.shipped, file: "pipeline.toml").gzipLevel == 1)
        let twelve = try CorpusConfig.parsePipeline(Self.shipped + "\n[archive]\ngzip_level = 12\n", file: "pipeline.toml")
        #expect(twelve.gzipLevel == 12)
        for level in [0, 13] {
            #expect(throws: CorpusError.self) {
                try CorpusConfig.parsePipeline(Self.shipped + "\n[archive]\ngzip_level = \(level)\n", file: "pipeline.toml")
            }
        }
    }
}

/// Byte search on a lower-cased text: counts do not overlap, offsets can be asked from anywhere.
@Suite struct SearchableTextTests {
    @Test func countsAndOffsetsAreCaseInsensitiveForASCII() {
        let text = SearchableText(lowercasing: "Data and DATA, 数据数据")
        #expect(text.count("data") == 2)
        #expect(text.offset(of: "DATA") == 0)
        #expect(text.offset(of: "data", from: 1) == 9)
        #expect(text.offset(of: "data", from: 10) == nil)
        #expect(text.offset(of: "数据") == 15 && text.offset(of: "数据", from: 16) == 21)
        #expect(text.count("数据数据数据") == 0 && !text.contains("xyz"))
    }

    /// The one-pass needle set counts exactly what counting each needle alone does: needles
    /// that share their first bytes, that are prefixes of one another, shorter and longer than
    /// its four-byte prefix check, at the text's very end, overlapping, Chinese, and limited.
    @Test func needleSetCountsWhatEachNeedleCountsAlone() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "b", "ab", "A", " ", "数", "据", "é", "\u{0}"]
        func random(_ length: Int) -> String {
            (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
        }
        let fixed = ["ab", "aba", "abab", "ababa", "abababab", "b", "数据", "数", "Ab", "ba b", "", "é数", "\u{0}a"]
        for round in 0..<300 {
            let needles = fixed + (0..<12).map { _ in random(Int.random(in: 1...7, using: &generator)) }
            let text = SearchableText(lowercasing: random(round % 40))
            let set = NeedleSet(needles)
            for limit in [1, 2, .max] {
                let counts = set.counts(in: text, limit: limit)
                for (needle, count) in zip(needles, counts) {
                    let alone = needle.isEmpty ? 0 : text.count(needle, limit: limit)
                    #expect(count == alone, "\(needle) in \(text.bytes) limit \(limit)")
                }
            }
        }
        // Thousands of needles: buckets shared by several hashes, hashes shared by several
        // needles (the four bytes after which they differ, or a collision).
        let many = (0..<3_000).map { _ in random(Int.random(in: 2...9, using: &generator)) }
        let long = SearchableText(lowercasing: random(3_000))
        let manyCounts = NeedleSet(many).counts(in: long, limit: .max)
        #expect(zip(many, manyCounts).allSatisfy { $0.1 == long.count($0.0, limit: .max) })
        let text = SearchableText(lowercasing: "The Digital Economy; digital governance. DIGITAL")
        #expect(NeedleSet(["digital", "digital economy", "governance", "economy;", "l"]).counts(in: text, limit: .max) == [3, 1, 1, 1, 3])
    }
}

@Suite struct DocumentIDTests {
    @Test func fixedIdsParseFormatAndPair() {
        #expect(DocumentID.lesson(12) == "lesson-12" && DocumentID.source(12) == "lesson-12-source")
        #expect(DocumentID.parse("lesson-12") == .lesson(12))
        #expect(DocumentID.parse("lesson-12-source") == .source(12))
        #expect(DocumentID.parse("glossary") == .glossary)
        for slug in ["lesson-", "lesson-x", "lesson-05", "lesson-12-sources", "policy-overall-layout-plan", "glossary-2", "lesson--1"] {
            #expect(DocumentID.parse(slug) == nil, "\(slug)")
            #expect(!DocumentID.isFixed(slug))
        }
        #expect(DocumentID.partner(of: "lesson-3") == "lesson-3-source")
        #expect(DocumentID.partner(of: "lesson-3-source") == "lesson-3")
        #expect(DocumentID.partner(of: "glossary") == nil)
        for fixed in [DocumentID.Fixed.lesson(1), .source(13), .glossary] { #expect(DocumentID.parse(DocumentID.id(fixed)) == fixed) }
        #expect(DocumentID.fileName("lesson-3") == "lesson-3.json")
    }

    @Test func chineseIsOneRuleWithEveryHanBlock() {
        #expect(Han.isChinese("数字中国建设"))
        #expect(Han.isChinese("数字中国 Digital"))
        #expect(!Han.isChinese("Digital China construction (数字)"))
        #expect(Han.contains("\u{F900}") && Han.contains("\u{2A700}") && !Han.contains("A"))
    }
}
