import CorpusKit
import Foundation

/// What a fetch made of one URL.
public enum FetchStatus: String, Codable, Sendable {
    case fetched, changed, unchanged, failed
    /// The page would replace a different document under the same id: nothing written.
    case conflict

    /// Failed and conflicting URLs wrote nothing.
    public var wroteNothing: Bool { self == .failed || self == .conflict }
}

/// What the last fetch (`fetch` or `run`) made of each URL, failures included: failures write
/// nothing to the bag, so without this no later command could say which sources failed.
/// Derived state beside the bag (`Archive/.last-fetch.json`, outside the payload, like the
/// search index): losing it loses only the report, never a capture.
public struct FetchLog: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var url: String
        public var source: String?
        public var status: FetchStatus
        public var id: String?
        public var error: String?
        public init(url: String, source: String?, status: FetchStatus, id: String?, error: String?) {
            self.url = url
            self.source = source
            self.status = status
            self.id = id
            self.error = error
        }
    }

    /// When the fetch finished (UTC, WARC-Date form).
    public var finished: String
    public var entries: [Entry]

    public init(finished: String, entries: [Entry]) {
        self.finished = finished
        self.entries = entries
    }

    static func url(in store: ArchiveStore) -> URL { store.root.appendingPathComponent(".last-fetch.json") }

    /// Replaces the log atomically. A fetch whose log cannot be written still fetched: callers
    /// report the error and go on.
    public func write(to store: ArchiveStore) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(try encoder.encode(self), to: Self.url(in: store), durable: false)
    }

    /// The last fetch's log, or nil when there was none (or it is unreadable).
    public static func read(from store: ArchiveStore) -> FetchLog? {
        guard let data = try? Data(contentsOf: url(in: store)) else { return nil }
        return try? JSONDecoder().decode(FetchLog.self, from: data)
    }
}
