import Archiving
import CorpusKit
import Foundation

/// The drop zone. Files are taken one level deep (subfolders are reported and left alone);
/// hidden and temporary names are skipped; symbolic links are never followed. A taken file
/// leaves the folder only after its batch is committed; a rejected one moves to
/// `Inbox/.rejected/` beside `<name>.error.json`, never overwriting an earlier one.
public struct InboxFolder: Sendable {
    public let url: URL
    public init(url: URL) { self.url = url }

    public var rejectedURL: URL { url.appendingPathComponent(".rejected") }

    /// Names that are still being written or are not meant for us.
    public static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".part") || name.hasSuffix(".tmp") || name.hasSuffix(".crdownload")
            || name.hasSuffix("~") || name.hasSuffix(".swp") || name.hasSuffix(".swx")
    }

    /// Files ready to take, sorted by name, and notes about what was left alone.
    public func pending() -> (files: [String], notes: [String], links: [String]) {
        var files: [String] = [], notes: [String] = [], links: [String] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        for name in names where !Self.isIgnored(name) {
            let path = url.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: files.append(path)
            case S_IFLNK: links.append(path)
            case S_IFDIR: notes.append("\(path): inbox: subfolders are not processed; move the files up into Inbox/")
            default: notes.append("\(path): inbox: not a regular file; left alone")
            }
        }
        return (files, notes, links)
    }

    /// Ingests everything pending in one batch, then removes taken files and quarantines rejected ones.
    public func process(with ingestor: Ingestor) throws -> (outcomes: [IngestOutcome], notes: [String]) {
        let (files, notes, links) = pending()
        var outcomes: [IngestOutcome] = []
        if !files.isEmpty {
            outcomes = try ingestor.ingest(paths: files)
        }
        for link in links {
            outcomes.append(IngestOutcome(file: link, status: .rejected, id: nil,
                                          error: CorpusError(file: link, stage: .read, reason: "symbolic link; links are never followed out of Inbox/").description))
        }
        var decided = Set<String>()
        for outcome in outcomes {
            let file = outcome.file.split(separator: "#", maxSplits: 1).first.map(String.init) ?? outcome.file
            guard !decided.contains(file) else { continue }
            let all = outcomes.filter { ($0.file.split(separator: "#", maxSplits: 1).first.map(String.init) ?? $0.file) == file }
            decided.insert(file)
            if let rejected = all.first(where: { $0.status == .rejected }), all.allSatisfy({ $0.status == .rejected }) {
                try quarantine(file, reason: rejected.error ?? "rejected")
            } else {
                // The batch is committed (ingest returned), so the bytes are durably archived.
                unlink(file)
            }
        }
        return (outcomes, notes)
    }

    /// Moves `path` into `.rejected/` under a name that clashes with nothing, beside its reason.
    public func quarantine(_ path: String, reason: String) throws {
        try FileManager.default.createDirectory(at: rejectedURL, withIntermediateDirectories: true)
        let name = (path as NSString).lastPathComponent
        var target = rejectedURL.appendingPathComponent(name)
        var counter = 1
        while FileManager.default.fileExists(atPath: target.path) || FileManager.default.fileExists(atPath: target.path + ".error.json") {
            target = rejectedURL.appendingPathComponent("\(name).\(counter)")
            counter += 1
        }
        let stage = reason.components(separatedBy: ": ").dropFirst().first ?? "read"
        let body: JSONValue = .object([
            "file": .string(name), "stage": .string(stage), "reason": .string(reason),
            "time": .string(WARCDate.string(Date())),
        ])
        try FileIO.writeAtomically(body.prettyData(), to: URL(fileURLWithPath: target.path + ".error.json"))
        guard rename(path, target.path) == 0 else {
            throw CorpusError(file: path, stage: .read, reason: "cannot move to \(target.path): \(String(cString: strerror(errno)))")
        }
    }
}
