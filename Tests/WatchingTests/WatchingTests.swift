import CorpusKit
import Foundation
import Ingestion
import TestSupport
import Testing

@testable import Watching

/// The watcher's batch path and its event lines, in process (`run(once:)`); the kernel path,
/// with inotify and signals, is exercised through the binary in EndToEndTests/WatchTests.
@Suite struct WatcherTests {
    let folder: TemporaryFolder
    let watcher: InboxWatcher

    init() throws {
        folder = try TemporaryFolder("watching")
        let ingestor = Ingestor(archiveRoot: try folder.folder("Archive"), config: try Fixtures.config())
        watcher = InboxWatcher(inbox: InboxFolder(url: try folder.folder("Inbox")), ingestor: ingestor)
    }

    func runOnce() throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        try watcher.run(once: true, emit: { events.append($0) }, validate: { (0, 1) })
        return events
    }

    @Test func oneBatchIngestsQuarantinesAndValidates() throws {
        try FileManager.default.copyItem(
            at: Fixtures.folder.appendingPathComponent("pages/lesson-5.news.html"),
            to: watcher.inbox.url.appendingPathComponent("lesson-5.html"))
        try Data().write(to: watcher.inbox.url.appendingPathComponent("empty.html"))
        let events = try runOnce()
        let byFile = Dictionary(
            uniqueKeysWithValues: events.compactMap { event in event.file.map { (($0 as NSString).lastPathComponent, event) } })
        #expect(byFile["lesson-5.html"]?.event == .ingested && byFile["lesson-5.html"]?.id == "lesson-5")
        #expect(byFile["empty.html"]?.event == .rejected && byFile["empty.html"]?.error?.isEmpty == false)
        #expect(events.last?.event == .validated && events.last?.warnings == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: watcher.inbox.url.path) == [".rejected"])
    }

    @Test func anInboxThatIsALinkIsRefused() throws {
        let link = folder.url.appendingPathComponent("LinkedInbox")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: watcher.inbox.url)
        let linked = InboxWatcher(inbox: InboxFolder(url: link), ingestor: watcher.ingestor)
        #expect(throws: CorpusError.self) { try linked.run(once: true, emit: { _ in }, validate: { (0, 0) }) }
    }

    @Test func eachEventKindWritesItsOwnFields() throws {
        func keys(_ event: WatchEvent) throws -> Set<String> {
            Set((try JSONSerialization.jsonObject(with: JSONEncoder().encode(event)) as! [String: Any]).keys)
        }
        let outcome = IngestOutcome(
            file: "a.html", status: .conflict, id: "lesson-1", problem: CorpusError(file: "a.html", stage: .classify, reason: "x"))
        #expect(try keys(.outcome(outcome, ms: 1.25)) == ["event", "file", "id", "error", "ms"])
        #expect(try keys(WatchEvent(event: .note, file: nil, error: "queue overflowed")) == ["event", "file", "error"])
        #expect(try keys(WatchEvent(event: .validated, errors: 0, warnings: 2)) == ["event", "errors", "warnings"])
        #expect(WatchEvent.outcome(outcome, ms: 1.25).event == .conflict)
    }
}
