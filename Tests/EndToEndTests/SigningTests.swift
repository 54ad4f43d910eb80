import CorpusKit
import Foundation
import Testing

/// Proof that holds against whoever holds the archive: the signed, hash-chained commit log.
@Suite(.serialized) struct SigningTests {
    /// A root with a key (outside the archive) and two documents ingested in two commits.
    func signedRoot() throws -> (Harness, keyFile: URL) {
        let harness = try Harness()
        let keyFile = harness.root.appendingPathComponent("keys/keeper.key")
        let made = try harness.run(["key", "init", "--key-file", keyFile.path])
        #expect(made.status == 0, "\(made.stderr)")
        for page in ["lesson-5.classic.html", "policy.wordpress.html"] {
            let result = try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/\(page)").path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
        return (harness, keyFile)
    }

    var logName: String { "commit-log.jsonl" }

    func logLines(_ harness: Harness) throws -> [String] {
        try String(contentsOf: harness.archive.appendingPathComponent(logName), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func writeLog(_ harness: Harness, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(
            to: harness.archive.appendingPathComponent(logName), atomically: true, encoding: .utf8)
    }

    func verify(_ harness: Harness) throws -> (status: Int32, report: [String: Any]) {
        let result = try harness.run(["verify", "--json"])
        return (result.status, try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])
    }

    func messages(_ report: [String: Any]) -> [String] {
        (report["problems"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test func aKeyIsMadeOutsideTheArchiveOwnerOnlyAndEveryCommitIsSigned() throws {
        let (harness, keyFile) = try signedRoot()
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let log = try logLines(harness)
        #expect(log.count == 3 && log[0].contains("\"kind\":\"key\""), "key init starts the log")
        #expect(log[0].contains("\"public_key\":") && !log[1].contains("\"public_key\":"))
        let (status, report) = try verify(harness)
        #expect(status == 0, "\(report)")
        let authenticity = try #require(report["authenticity"] as? [String: Any])
        #expect(authenticity["signed"] as? Bool == true && authenticity["entries"] as? Int == 3)
        #expect(try harness.run(["verify"]).stdout.contains("signed: 3 commit log entries"))
        // A key inside the archive, or a second key over the first, is refused.
        let inside = try harness.run(["key", "init", "--key-file", harness.archive.appendingPathComponent("k.key").path])
        #expect(inside.status == 2 && inside.stderr.contains("pinned already"))
        try FileManager.default.removeItem(at: harness.root.appendingPathComponent("Config/integrity.toml"))
        let intoBag = try harness.run(["key", "init", "--key-file", harness.archive.appendingPathComponent("data/k.key").path])
        #expect(intoBag.status == 2 && intoBag.stderr.contains("must not be inside the archive"), "\(intoBag.stderr)")
        #expect(!FileManager.default.fileExists(atPath: harness.archive.appendingPathComponent("data/k.key").path))
    }

    /// The tampering that passes every other check: a document removed, its manifest line
    /// dropped, Payload-Oxum and the tag manifest recomputed. Without a log `verify` passes it;
    /// with one it fails and says which entry no longer holds.
    @Test func aRewrittenAndRehashedArchiveFails() throws {
        for signed in [false, true] {
            let harness: Harness
            if signed {
                harness = try signedRoot().0
            } else {
                harness = try Harness()
                for page in ["lesson-5.classic.html", "policy.wordpress.html"] {
                    try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/\(page)").path])
                }
            }
            try Self.removeDocumentAndRehash(harness.archive, record: "data/corpus/lesson-5.json")
            let (status, report) = try verify(harness)
            if signed {
                #expect(status == 1)
                #expect(
                    messages(report).contains {
                        $0.contains("the bag changed after its last signed commit (entry 3") && $0.contains("tagmanifest-sha256.txt")
                    }, "\(report)")
            } else {
                #expect(status == 0, "the unsigned bag's own checks cannot tell: \(report)")
            }
        }
    }

    @Test func aChangedReorderedMissingOrRemovedEntryIsNamed() throws {
        let (harness, _) = try signedRoot()
        try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/lesson-1.wordpress.html").path])
        let original = try logLines(harness)
        #expect(original.count == 4)
        // A flipped byte in the first entry's time.
        try writeLog(harness, [original[0].replacingOccurrences(of: "\"time\":\"2", with: "\"time\":\"3")] + original.dropFirst())
        var found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("entry 1: the signature does not verify") }, "\(found)")
        #expect(found.contains { $0.contains("entry 2 does not follow entry 1") }, "\(found)")
        // Reordered.
        try writeLog(harness, [original[1], original[0]] + original.dropFirst(2))
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("an entry is missing or out of order") }, "\(found)")
        // The middle one missing.
        try writeLog(harness, [original[0], original[2], original[3]])
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("entry 2 has sequence number 2, not 1") }, "\(found)")
        // The last one missing: the bag is no longer what the last entry signed.
        try writeLog(harness, Array(original.prefix(3)))
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("changed after its last signed commit (entry 3") }, "\(found)")
        // The whole log removed, while Config pins a key.
        try FileManager.default.removeItem(at: harness.archive.appendingPathComponent(logName))
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("but the bag has no signed commit log") }, "\(found)")
        // Restored, it verifies again.
        try writeLog(harness, original)
        #expect(try verify(harness).status == 0)
    }

    @Test func aMissingKeyStopsACommitBeforeAnythingIsWrittenUnlessToldToWarn() throws {
        let (harness, keyFile) = try signedRoot()
        let manifest = try Data(contentsOf: harness.archive.appendingPathComponent("manifest-sha256.txt"))
        try FileManager.default.moveItem(at: keyFile, to: keyFile.appendingPathExtension("away"))
        let page = Harness.fixtures.appendingPathComponent("pages/lesson-1.wordpress.html").path
        let refused = try harness.run(["ingest", page])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot sign the commit") && refused.stderr.contains("nothing was written"), "\(refused.stderr)")
        #expect(try Data(contentsOf: harness.archive.appendingPathComponent("manifest-sha256.txt")) == manifest)
        // Another key in its place: refused, naming both.
        let other = try Harness()
        let otherKey = other.root.appendingPathComponent("keys/other.key")
        #expect(try other.run(["key", "init", "--key-file", otherKey.path]).status == 0)
        try FileManager.default.copyItem(at: otherKey, to: keyFile)
        let foreign = try harness.run(["ingest", page])
        #expect(foreign.stderr.contains("holds key p384:") && foreign.stderr.contains("pins p384:"), "\(foreign.stderr)")
        try FileManager.default.removeItem(at: keyFile)
        // Readable by others: refused as well.
        try FileManager.default.moveItem(at: keyFile.appendingPathExtension("away"), to: keyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
        let exposed = try harness.run(["ingest", page])
        #expect(exposed.stderr.contains("readable or writable by others"), "\(exposed.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        // Told to warn: committed unsigned, and verify says the bag moved past its last signed entry.
        try FileManager.default.moveItem(at: keyFile, to: keyFile.appendingPathExtension("away"))
        let config = harness.root.appendingPathComponent("Config/integrity.toml")
        try (try String(contentsOf: config, encoding: .utf8)).replacingOccurrences(of: "unsigned = \"refuse\"", with: "unsigned = \"warn\"")
            .write(to: config, atomically: true, encoding: .utf8)
        let warned = try harness.run(["ingest", page])
        #expect(warned.status == 0 && warned.stderr.contains("warning: committing without a signature"), "\(warned.stderr)")
        #expect(try verify(harness).status == 1)
    }

    @Test func aRotatedKeyIsTrustedThroughTheEntryTheOldKeySigned() throws {
        let (harness, _) = try signedRoot()
        let newKey = harness.root.appendingPathComponent("keys/second.key")
        let rotated = try harness.run(["key", "rotate", "--key-file", newKey.path])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/lesson-1.wordpress.html").path])
        let log = try logLines(harness)
        #expect(log.count == 5 && log[3].contains("\"kind\":\"key-rotation\""))
        let (status, report) = try verify(harness)
        #expect(status == 0, "\(report)")
        #expect(((report["authenticity"] as? [String: Any])?["keys"] as? [String])?.count == 2)
        // Whoever kept the retired key signs another entry with it: the log names it.
        let config = harness.root.appendingPathComponent("Config/integrity.toml")
        let pinned = try String(contentsOf: config, encoding: .utf8)
        let oldID = try #require(log[0].components(separatedBy: "\"key\":\"").dropFirst().first?.prefix { $0 != "\"" })
        let oldKey = try #require(pinned.components(separatedBy: "previous_keys = [\"").dropFirst().first?.prefix { $0 != "\"" })
        let parts = oldKey.split(separator: "=", maxSplits: 1).map(String.init)
        try """
        [signing]
        key_id = "\(parts[0])"
        public_key = "\(parts[1])"
        private_key_file = "\(harness.root.appendingPathComponent("keys/keeper.key").path)"
        """.write(to: config, atomically: true, encoding: .utf8)
        #expect(try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/lesson-5.news.html").path]).status == 0)
        try pinned.write(to: config, atomically: true, encoding: .utf8)
        let retired = messages(try verify(harness).report)
        #expect(retired.contains { $0.contains("is signed by key \(oldID), but") && $0.contains("was the signing key then") }, "\(retired)")
        // Without the old key pinned as previous, the first entries' key is unknown.
        let text = try String(contentsOf: config, encoding: .utf8)
        let unpinned = text.split(separator: "\n").map { $0.hasPrefix("previous_keys") ? "previous_keys = []" : String($0) }
        try unpinned.joined(separator: "\n").write(to: config, atomically: true, encoding: .utf8)
        #expect(messages(try verify(harness).report).contains { $0.contains("which Config/integrity.toml does not pin") })
    }

    /// A root signed from its first commit, whose commits the test TSA of the loopback server
    /// timestamps (`signer`: good, expired or rogue).
    func stampedRoot(_ server: LoopbackServer, signer: String = "good") throws -> Harness {
        let harness = try Harness()
        #expect(try harness.run(["key", "init", "--key-file", harness.root.appendingPathComponent("keys/k.key").path]).status == 0)
        let config = harness.root.appendingPathComponent("Config/integrity.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "tsa_url = \"\"", with: "tsa_url = \"\(server.url("/tsa?signer=\(signer)"))\"")
            .replacingOccurrences(
                of: "tsa_certificates = \"\"", with: "tsa_certificates = \"\(Harness.fixtures.appendingPathComponent("tsa/ca.pem").path)\"")
        try text.write(to: config, atomically: true, encoding: .utf8)
        return harness
    }

    func stamp(_ harness: Harness, _ entry: Int, _ suffix: String) -> URL {
        harness.archive.appendingPathComponent("timestamps/entry-\(entry).\(suffix)")
    }

    /// `openssl ts -verify`, the independent judge: the stored token is for exactly that line of
    /// the log, by a TSA that chains to the test root.
    func openssl(_ harness: Harness, entry: Int, line: String) throws -> Bool {
        let data = harness.root.appendingPathComponent("line-\(entry)")
        try Data(line.utf8).write(to: data)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "ts", "-verify", "-data", data.path, "-in", stamp(harness, entry, "tsr").path, "-CAfile",
            Harness.fixtures.appendingPathComponent("tsa/ca.pem").path
        ]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test func theLogsHeadIsTimestampedAfterEachCommandAndATruncatedLogIsCaught() throws {
        let server = try LoopbackServer()
        let harness = try stampedRoot(server)
        for page in ["lesson-5.classic.html", "policy.wordpress.html"] {
            let result = try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/\(page)").path])
            #expect(result.stderr.contains("timestamp: commit log entry"), "\(result.stderr)")
        }
        let log = try logLines(harness)
        #expect(try openssl(harness, entry: 2, line: log[1]) && openssl(harness, entry: 3, line: log[2]))
        #expect(!(try openssl(harness, entry: 3, line: log[1])), "the judge must be able to say no")
        let (status, report) = try verify(harness)
        #expect(status == 0, "\(report)")
        #expect(((report["authenticity"] as? [String: Any])?["timestamps"] as? [[String: Any]])?.count == 2)
        // The last entry removed (and the bag as it was): the timestamp names an entry the log no longer has.
        try writeLog(harness, Array(log.prefix(2)))
        var found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("a timestamp names entry 3, but the log has 2 entries") }, "\(found)")
        // An entry changed: its timestamp is for another line.
        try writeLog(harness, [log[0], log[1].replacingOccurrences(of: "\"command\":\"ingest\"", with: "\"command\":\"fetch\""), log[2]])
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("the timestamp of entry 2 is for another line") }, "\(found)")
        // A token moved to another entry.
        try writeLog(harness, log)
        try FileManager.default.removeItem(at: stamp(harness, 3, "tsr"))
        try FileManager.default.copyItem(at: stamp(harness, 2, "tsr"), to: stamp(harness, 3, "tsr"))
        found = messages(try verify(harness).report)
        #expect(found.contains { $0.contains("the timestamp of entry 3 is for another line") }, "\(found)")
    }

    @Test(arguments: ["rogue", "expired", "down"])
    func anUntrustedOrAbsentAuthorityLeavesTheCommitUnstampedWithAWarning(signer: String) throws {
        let server = try LoopbackServer()
        let harness = try stampedRoot(server, signer: signer == "down" ? "good&down=1" : signer)
        let result = try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/lesson-5.classic.html").path])
        #expect(result.status == 0, "the commit stands: \(result.stderr)")
        #expect(result.stderr.contains("warning: the commit log's head (entry 2) was not timestamped"), "\(result.stderr)")
        let reason = ["rogue": "not trusted", "expired": "expired", "down": "HTTP 503"][signer]!
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stamp(harness, 2, "tsr").path))
        #expect(try verify(harness).status == 0)
        #expect(try harness.run(["verify"]).stdout.contains("note: 2 commit log entries after the last timestamp"))
    }

    /// What a forger does with the usual tools: a record file removed, the payload manifest
    /// without its line, Payload-Oxum and the tag manifest recomputed (as `bagit.py` would).
    static func removeDocumentAndRehash(_ archive: URL, record: String) throws {
        try FileManager.default.removeItem(at: archive.appendingPathComponent(record))
        let manifestURL = archive.appendingPathComponent("manifest-sha256.txt")
        let kept = try String(contentsOf: manifestURL, encoding: .utf8).split(separator: "\n").filter { !$0.hasSuffix("  " + record) }
        try (kept.joined(separator: "\n") + "\n").write(to: manifestURL, atomically: true, encoding: .utf8)
        var bytes: Int64 = 0
        for line in kept {
            let path = String(line.split(separator: " ", maxSplits: 2).last ?? "").trimmingCharacters(in: .whitespaces)
            bytes += (try FileManager.default.attributesOfItem(atPath: archive.appendingPathComponent(path).path)[.size] as? Int64) ?? 0
        }
        let infoURL = archive.appendingPathComponent("bag-info.txt")
        let info = try String(contentsOf: infoURL, encoding: .utf8).split(separator: "\n").map {
            $0.hasPrefix("Payload-Oxum:") ? "Payload-Oxum: \(bytes).\(kept.count)" : String($0)
        }
        try (info.joined(separator: "\n") + "\n").write(to: infoURL, atomically: true, encoding: .utf8)
        var tags: [String] = []
        for name in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"] {
            tags.append(Digest.sha256Hex(try Data(contentsOf: archive.appendingPathComponent(name))) + "  " + name)
        }
        try (tags.joined(separator: "\n") + "\n").write(
            to: archive.appendingPathComponent("tagmanifest-sha256.txt"), atomically: true, encoding: .utf8)
    }
}
