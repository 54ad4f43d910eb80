import Archiving
import Foundation
import Testing

/// A running `dccorpus watch --json`, read line by line.
final class WatchProcess {
    let process: Process
    private let output = Pipe()
    private var buffer = Data()
    private(set) var events: [[String: Any]] = []

    init(_ harness: Harness, extraArguments: [String] = []) {
        process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["watch", "--json", "--root", harness.root.path] + extraArguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try! process.run()
    }

    /// Reads events until `predicate` holds for the collected events, or `timeout` passes.
    @discardableResult
    func wait(timeout: TimeInterval = 20, until predicate: ([[String: Any]]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let handle = output.fileHandleForReading
        while !predicate(events) {
            if Date() > deadline { return false }
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 200) > 0 else { continue }
            var bytes = [UInt8](repeating: 0, count: 65536)
            let count = read(handle.fileDescriptor, &bytes, bytes.count)
            if count <= 0 { return predicate(events) }
            buffer.append(contentsOf: bytes[0..<count])
            while let newline = buffer.firstIndex(of: 10) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                if let event = try? JSONSerialization.jsonObject(with: line) as? [String: Any] { events.append(event) }
            }
        }
        return true
    }

    func count(_ name: String) -> Int { events.filter { $0["event"] as? String == name }.count }

    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

@Suite(.serialized) struct WatchTests {
    @Test func aCompletePageIsTakenWithItsFolderOnceTheFolderHasSettled() throws {
        let harness = try Harness()
        let watch = WatchProcess(harness)
        Thread.sleep(forTimeInterval: 0.5)  // watching (an empty Inbox reports nothing)
        let source = Harness.fixtures.appendingPathComponent("browser/complete")
        // The page first, then its folder, whose files keep arriving for a while.
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("lesson-5.classic.html"), to: harness.inbox.appendingPathComponent("lesson-5.classic.html"))
        let folder = harness.inbox.appendingPathComponent("lesson-5.classic_files")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["dot.png", "site.css"] {
            Thread.sleep(forTimeInterval: 0.4)
            try FileManager.default.copyItem(
                at: source.appendingPathComponent("lesson-5.classic_files/\(name)"), to: folder.appendingPathComponent(name))
        }
        #expect(watch.wait { $0.contains { $0["event"] as? String == "ingested" } }, "\(watch.events)")
        #expect(watch.stop() == 0)
        #expect(watch.events.filter { $0["event"] as? String == "note" }.isEmpty, "no subfolder note: \(watch.events)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path).filter { !$0.hasPrefix(".") }.isEmpty)
        var found = ""
        for warc in try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path) {
            try WARCFileReader(path: harness.archive.appendingPathComponent("data/warc/\(warc)").path, limit: 1 << 26).forEachRecord {
                record, _ in
                if let uri = record.targetURI, uri.hasSuffix("site.css") { found = uri }
            }
        }
        #expect(found == "https://digitalchinawinsthefuture.com/lesson-5/lesson-5.classic_files/site.css", "the late file came along")
    }

    @Test func everyWayOfSavingAFileIsTakenOnce() throws {
        let harness = try Harness()
        let seed = Harness.fixtures.appendingPathComponent("seeds/000_cab2845c5521bb26.txt")
        try FileManager.default.copyItem(at: seed, to: harness.inbox.appendingPathComponent("present at start.txt"))
        let watch = WatchProcess(harness)
        #expect(watch.wait { $0.contains { $0["event"] as? String == "validated" } }, "start-up batch: \(watch.events)")
        #expect(watch.events.first?["event"] as? String == "ingested")
        #expect(watch.events.first?["id"] as? String == "lesson-1")

        // Copy in.
        try FileManager.default.copyItem(
            at: Harness.fixtures.appendingPathComponent("pages/lesson-5.classic.html"),
            to: harness.inbox.appendingPathComponent("copied 课程.html"))
        // Rename in from outside.
        let outside = harness.root.appendingPathComponent("staging.html")
        try FileManager.default.copyItem(at: Harness.fixtures.appendingPathComponent("pages/lesson-12-source.gb2312.html"), to: outside)
        #expect(rename(outside.path, harness.inbox.appendingPathComponent("-renamed.html").path) == 0)
        // Editor-style save: a temporary name, then renamed.
        let temporary = harness.inbox.appendingPathComponent(".policy.txt.swp")
        try FileManager.default.copyItem(at: Harness.fixtures.appendingPathComponent("seeds/002_33b4e771621f73b9.txt"), to: temporary)
        #expect(rename(temporary.path, harness.inbox.appendingPathComponent("policy.txt").path) == 0)
        // A dotfile and a binary file.
        try Data("ignored".utf8).write(to: harness.inbox.appendingPathComponent(".dotfile.html"))
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0, 1]).write(to: harness.inbox.appendingPathComponent("program.html"))

        #expect(
            watch.wait { events in
                Set(events.compactMap { $0["file"] as? String }.map { ($0 as NSString).lastPathComponent })
                    .isSuperset(of: ["copied 课程.html", "-renamed.html", "policy.txt", "program.html"])
            }, "\(watch.events)")
        let byFile = Dictionary(
            watch.events.compactMap { event -> (String, [String: Any])? in
                guard let file = event["file"] as? String else { return nil }
                return ((file as NSString).lastPathComponent, event)
            }, uniquingKeysWith: { first, _ in first })
        #expect(byFile["copied 课程.html"]?["id"] as? String == "lesson-5")
        #expect(byFile["-renamed.html"]?["id"] as? String == "lesson-12-source")
        #expect(byFile["policy.txt"]?["event"] as? String == "ingested")
        #expect(byFile["program.html"]?["event"] as? String == "rejected")
        #expect((byFile["program.html"]?["error"] as? String)?.contains("binary content") == true)
        #expect(byFile[".dotfile.html"] == nil)
        #expect(watch.events.filter { ($0["file"] as? String)?.hasSuffix("policy.txt") == true }.count == 1)
        #expect(watch.stop() == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path).sorted()
        #expect(left == [".dotfile.html", ".rejected"])
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: harness.inbox.appendingPathComponent(".rejected").path)
            .sorted()
        #expect(quarantined == ["program.html", "program.html.error.json"])
        #expect(try harness.run(["verify"]).status == 0)
    }

    @Test func aQueueOverflowIsFollowedByARescanAndNothingIsLost() throws {
        let harness = try Harness()
        let seed = Harness.fixtures.appendingPathComponent("seeds/004_39c44c1376242463.txt")
        #expect(try harness.run(["ingest", seed.path]).status == 0)
        let watch = WatchProcess(harness)
        #expect(watch.wait { _ in FileManager.default.fileExists(atPath: harness.archive.path) })
        usleep(300_000)
        // Stop the watcher from reading, and write more files than the kernel queue holds (16384).
        kill(watch.process.processIdentifier, SIGSTOP)
        let bytes = try Data(contentsOf: seed)
        let total = 17_000
        for index in 0..<total {
            try bytes.write(to: harness.inbox.appendingPathComponent("copy-\(index).txt"))
        }
        kill(watch.process.processIdentifier, SIGCONT)
        #expect(
            watch.wait(timeout: 120) { _ in
                ((try? FileManager.default.contentsOfDirectory(atPath: harness.inbox.path)) ?? ["x"]).filter { !$0.hasPrefix(".") }.isEmpty
            }, "files left in Inbox/")
        #expect(watch.wait(timeout: 30) { events in events.filter { $0["event"] as? String == "unchanged" }.count >= total })
        #expect(watch.events.contains { ($0["error"] as? String)?.contains("overflowed") == true })
        #expect(watch.count("unchanged") == total)
        #expect(watch.stop() == 0)
    }

    @Test func watchAndIngestShareTheArchive() throws {
        let harness = try Harness()
        let watch = WatchProcess(harness)
        usleep(300_000)
        let writer = harness.start(["ingest", Harness.fixtures.appendingPathComponent("seeds/001_e888cff12df4c64b.txt").path])
        for (index, seed) in Harness.seeds.enumerated() {
            try FileManager.default.copyItem(
                at: Harness.fixtures.appendingPathComponent(seed), to: harness.inbox.appendingPathComponent("in-\(index).txt"))
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(
            watch.wait { events in events.filter { ["ingested", "changed", "unchanged"].contains($0["event"] as? String ?? "") }.count >= 4
            })
        #expect(watch.stop() == 0)
        #expect(try harness.run(["verify"]).status == 0)
        let list = try JSONSerialization.jsonObject(with: Data(try harness.run(["list", "--json"]).stdout.utf8)) as! [Any]
        #expect(list.count == 4)
    }

    /// A batch that cannot be archived (here the lock file cannot be opened) leaves the file in
    /// Inbox/; the watcher says so, keeps running and takes it once the fault is gone.
    @Test func aFailedBatchIsRetriedAndTheWatcherLivesOn() throws {
        let harness = try Harness()
        let lock = harness.archive.appendingPathComponent(".lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: true)
        let watcher = WatchProcess(harness, extraArguments: ["--retry-seconds", "0.5"])
        _ = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.inbox)
        #expect(watcher.wait { events in events.contains { ($0["error"] as? String ?? "").contains("retrying in") } })
        #expect(FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent("000_cab2845c5521bb26.txt").path))
        #expect(watcher.process.isRunning)
        try FileManager.default.removeItem(at: lock)
        #expect(watcher.wait { _ in watcher.count("ingested") == 1 })
        #expect(watcher.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent("000_cab2845c5521bb26.txt").path))
        #expect(watcher.count("rejected") == 0)
    }

    @Test func onceProcessesValidatesAndExits() throws {
        let harness = try Harness()
        try FileManager.default.copyItem(
            at: Harness.fixtures.appendingPathComponent("seeds/000_cab2845c5521bb26.txt"),
            to: harness.inbox.appendingPathComponent("a.txt"))
        let result = try harness.run(["watch", "--once", "--json"])
        #expect(result.status == 0)
        let events = try result.jsonLines()
        #expect(events.map { $0["event"] as? String } == ["ingested", "validated"])
        #expect(events[0]["ms"] is Double)
        #expect(events[1]["errors"] as? Int == 0)
    }
}
