import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Archiving

/// HTTP content codings undone for cleaning, bounded against bombs.
@Suite struct ContentDecodingTests {
    let page: Data

    init() throws { page = try Fixtures.data("pages/lesson-5.classic.html") }

    @Test(arguments: [
        ("gzip", "gz"), ("x-gzip", "gz"), ("deflate", "zlib"), ("deflate", "rawdeflate"), ("br", "br"), ("zstd", "zst")
    ])
    func eachCodingGivesThePageBack(coding: String, suffix: String) throws {
        let encoded = try Fixtures.data("encoded/lesson-5.classic.html.\(suffix)")
        #expect(encoded != page)
        #expect(try ContentDecoding.decode(encoded, codings: [coding], limit: 1 << 20, source: "t") == page)
    }

    @Test func codingsAreUndoneInReverseOrderAndIdentityIsNothing() throws {
        let twice = try Gzip.member(try Fixtures.data("encoded/lesson-5.classic.html.br"))
        #expect(try ContentDecoding.decode(twice, codings: ["br", "gzip"], limit: 1 << 20, source: "t") == page)
        #expect(try ContentDecoding.decode(page, codings: [], limit: 1 << 20, source: "t") == page)
    }

    @Test func concatenatedGzipMembersAreOneBody() throws {
        let half = page.count / 2
        let body = try Gzip.member(page.prefix(half)) + Gzip.member(page.dropFirst(half))
        #expect(try ContentDecoding.decode(body, codings: ["gzip"], limit: 1 << 20, source: "t") == page)
    }

    @Test(arguments: [("gzip", "gz"), ("br", "br"), ("zstd", "zst")])
    func bombsAreRefusedAtTheLimitQuickly(coding: String, suffix: String) throws {
        let bomb = try Fixtures.data("encoded/bomb.\(suffix)")
        #expect(bomb.count < 70_000)
        let started = Date()
        do {
            _ = try ContentDecoding.decode(bomb, codings: [coding], limit: 8 << 20, source: "bomb")
            Issue.record("a 64 MiB body passed an 8 MiB limit")
        } catch let error as CorpusError {
            #expect(error.stage == .decode)
            #expect(error.description.contains("decodes to more than the 8388608-byte limit"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test func damagedAndUnknownBodiesAreOneLineErrors() throws {
        for coding in ["gzip", "deflate", "br", "zstd"] {
            #expect(throws: CorpusError.self) {
                try ContentDecoding.decode(Data("not compressed at all, just text".utf8), codings: [coding], limit: 1 << 20, source: "t")
            }
        }
        do {
            _ = try ContentDecoding.decode(page, codings: ["compress"], limit: 1 << 20, source: "page")
            Issue.record("an unknown coding passed")
        } catch let error as CorpusError {
            #expect(
                error.description
                    == "page: decode: Content-Encoding compress cannot be decoded (supported: br, deflate, gzip, x-gzip, zstd)")
        }
    }

    @Test func aTruncatedGzipBodyKeepsWhatDecoded() throws {
        let encoded = try Fixtures.data("encoded/lesson-5.classic.html.gz")
        let decoded = try ContentDecoding.decode(encoded.prefix(encoded.count / 2), codings: ["gzip"], limit: 1 << 20, source: "t")
        #expect(!decoded.isEmpty && page.starts(with: decoded))
    }
}

/// WARC records written by other tools, read as warcio reads them.
@Suite struct LenientWARCTests {
    func record(_ headers: String, _ block: String, newline: String = "\r\n") -> Data {
        let lines = headers.split(separator: "\n").map { $0 + newline }.joined()
        return Data(("\(lines)Content-Length: \(block.utf8.count)\(newline)\(newline)\(block)\r\n\r\n").utf8)
    }

    func read(_ data: Data) throws -> (records: [WARCRecord], problems: [WARCReadProblem]) {
        let folder = try TemporaryFolder("lenient")
        let path = folder.url.appendingPathComponent("x.warc").path
        try data.write(to: URL(fileURLWithPath: path))
        var problems: [WARCReadProblem] = []
        var records: [WARCRecord] = []
        try WARCFileReader(path: path, limit: 1 << 20, onProblem: { problems.append($0) }).forEachRecord { record, _ in
            records.append(record)
        }
        return (records, problems)
    }

    @Test func versionsLineEndingsAndBytesBetweenRecordsAreRead() throws {
        let a = record("WARC/0.17\nWARC-Type: resource\nWARC-Target-URI: <http://a.example/>", "one")
        let b = record("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: http://b.example/ ", "two", newline: "\r\r\n")
        let c = record("WARC/1.1\nWARC-Type: resource\nWARC-Target-URI: http://c.example/", "three", newline: "\n")
        let (records, problems) = try read(a + Data("garbage between\r\n".utf8) + b + c)
        #expect(records.map { String(decoding: $0.block, as: UTF8.self) } == ["one", "two", "three"])
        #expect(records.map(\.targetURI) == ["http://a.example/", "http://b.example/", "http://c.example/"])
        #expect(problems.count == 1 && problems[0].costsRecord == false, "\(problems.map(\.error))")
    }

    @Test func aMalformedOrTruncatedRecordCostsItselfOnly() throws {
        let good = record("WARC/1.0\nWARC-Type: resource", "good")
        let noLength = Data("WARC/1.0\r\nWARC-Type: resource\r\n\r\nbody\r\n\r\n".utf8)
        let truncated = Data("WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 500\r\n\r\nshort".utf8)
        let (records, problems) = try read(good + noLength + good + truncated)
        #expect(records.count == 2)
        #expect(problems.count == 2 && problems.allSatisfy(\.costsRecord))
        #expect(problems[0].error.reason.contains("no valid Content-Length"))
        #expect(problems[1].error.reason.contains("is truncated (Content-Length 500, 5 bytes present)"))
        // Strict (our own files): the first problem throws.
        let folder = try TemporaryFolder("strict")
        let path = folder.url.appendingPathComponent("x.warc").path
        try (good + noLength).write(to: URL(fileURLWithPath: path))
        #expect(throws: CorpusError.self) { try WARCFileReader(path: path, limit: 1 << 20).forEachRecord { _, _ in } }
    }

    @Test func aRecordSplitAcrossGzipMembersIsJoined() throws {
        let whole = record("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: http://x.example/", String(repeating: "abc ", count: 500))
        let folder = try TemporaryFolder("members")
        let path = folder.url.appendingPathComponent("x.warc.gz").path
        let third = whole.count / 3
        try (Gzip.member(whole.prefix(third)) + Gzip.member(whole.dropFirst(third).prefix(third)) + Gzip.member(whole.dropFirst(2 * third)))
            .write(to: URL(fileURLWithPath: path))
        var records: [WARCRecord] = []
        var problems: [WARCReadProblem] = []
        try WARCFileReader(path: path, limit: 1 << 20, onProblem: { problems.append($0) }).forEachRecord { record, _ in
            records.append(record)
        }
        #expect(records.count == 1 && records.first?.block.count == 2000 && problems.isEmpty)
    }

    @Test func sha1DigestsInEveryEncodingAreChecked() throws {
        let block = Data("hello".utf8)
        // SHA-1 of "hello" in base32, hex and base64.
        for value in [
            "sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N", "sha1:aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "sha1:qvTGHdzF6KLavt4PO0gs2a6pQ00="
        ] {
            let good = WARCRecord(headers: [("WARC-Type", "resource"), ("WARC-Block-Digest", value)], block: block)
            #expect(good.digestProblems().isEmpty, "\(value)")
            let bad = WARCRecord(headers: [("WARC-Type", "resource"), ("WARC-Block-Digest", value)], block: Data("hellO".utf8))
            #expect(bad.digestProblems().count == 1, "\(value)")
        }
        let unknown = WARCRecord(headers: [("WARC-Type", "resource"), ("WARC-Block-Digest", "crc32:1234")], block: block)
        #expect(unknown.digestProblems().isEmpty, "an algorithm it cannot read is not judged")
    }

    @Test func aStatusLineWithoutReasonAndOddLineEndsParse() {
        let head = HTTPResponseHead("HTTP/1.0 302\r\r\nLocation: /x\r\r\nContent-Encoding: gzip, br\r\r\nTransfer-Encoding: chunked")
        #expect(head.status == 302 && head.reason == nil)
        #expect(head.header("location") == "/x")
        #expect(head.contentEncodings == ["gzip", "br"] && head.isChunked)
        let block = Data("HTTP/1.1 200 OK\r\r\nContent-Type: text/html\r\r\n\r\r\n<p>x</p>".utf8)
        let end = HTTPResponseHead.headEnd(in: block)!
        #expect(String(decoding: block[end.upperBound...], as: UTF8.self) == "<p>x</p>")
    }
}
