import Archiving
import CorpusKit
import Foundation
import RecordBuilding

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

    /// Files ready to take, sorted by name, and notes about what was left alone. With `names`,
    /// only those entries of the folder are considered (the watcher's events); else all of it.
    public func pending(names: [String]? = nil) -> (files: [String], notes: [String], links: [String]) {
        var files: [String] = []
        var notes: [String] = []
        var links: [String] = []
        var folder = stat()
        if lstat(url.path, &folder) == 0, (folder.st_mode & S_IFMT) == S_IFLNK {
            return (
                [], ["\(url.path): inbox: Inbox/ is a symbolic link; links are never followed out of the project, so nothing was taken"], []
            )
        }
        if names == nil { notes += renameUndecodableNames() }
        let candidates = names ?? ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        for name in candidates where !Self.isIgnored(name) {
            let path = url.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }  // gone already (taken by another writer)
            switch info.st_mode & S_IFMT {
            case S_IFREG: files.append(path)
            case S_IFLNK: links.append(path)
            case S_IFDIR:
                // A saved page's `_files` folder goes with its page (`CompletePageFormat`).
                if CompletePageFormat.page(forFolder: path) == nil {
                    notes.append("\(path): inbox: subfolders are not processed; move the files up into Inbox/")
                }
            default: notes.append("\(path): inbox: not a regular file; left alone")
            }
        }
        return (files, notes, links)
    }

    /// A name that is not valid UTF-8 cannot be named by Foundation, so such a file would sit in
    /// Inbox/ for ever, neither archived nor quarantined. It is renamed in place: every byte
    /// from 0x80 up, control bytes and `%` are percent-encoded (reversible), and a note says so.
    public func renameUndecodableNames() -> [String] {
        guard let folder = opendir(url.path) else { return [] }
        defer { closedir(folder) }
        var notes: [String] = []
        while let entry = readdir(folder) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if String(validating: bytes, as: UTF8.self) != nil { continue }
            let encoded = bytes.map { byte -> String in
                byte >= 0x80 || byte < 0x20 || byte == 0x25 ? "%" + String(byte, radix: 16, uppercase: true) : String(UnicodeScalar(byte))
            }.joined()
            var target = encoded
            var counter = 1
            while FileManager.default.fileExists(atPath: url.appendingPathComponent(target).path) {
                target = "\(encoded).\(counter)"
                counter += 1
            }
            let moved = (bytes + [0]).withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { renameat(dirfd(folder), $0.baseAddress!, dirfd(folder), target) }
            }
            let path = url.appendingPathComponent(target).path
            notes.append(
                moved == 0
                    ? "\(path): inbox: the file name was not valid UTF-8; renamed to this (bytes percent-encoded)"
                    : "\(url.path)/\(encoded): inbox: the file name is not valid UTF-8 and could not be renamed: \(String(cString: strerror(errno)))"
            )
        }
        return notes
    }

    /// Ingests what is pending in one batch (one lock, one commit), then removes the taken files
    /// and quarantines the rejected ones. `onOutcome` sees each file's outcomes as soon as they
    /// are durable.
    public func process(
        names: [String]? = nil, with ingestor: Ingestor,
        onOutcome: ([IngestOutcome]) -> Void = { _ in }
    ) throws -> (outcomes: [IngestOutcome], notes: [String]) {
        let (files, notes, links) = pending(names: names)
        var groups: [(path: String, outcomes: [IngestOutcome])] = []
        if !files.isEmpty {
            groups = zip(files, try ingestor.ingestGrouped(paths: files)).map { ($0, $1) }
        }
        for link in links {
            groups.append(
                (
                    link,
                    [
                        IngestOutcome(
                            file: link, status: .rejected, id: nil,
                            problem: CorpusError(file: link, stage: .read, reason: "symbolic link; links are never followed out of Inbox/"))
                    ]
                ))
        }
        var reported: [(path: String, outcomes: [IngestOutcome])] = []
        for (path, outcomes) in groups {
            if let rejected = outcomes.first(where: { $0.status.isRefused }), outcomes.allSatisfy({ $0.status.isRefused }) {
                // Gone since it was listed: another process working on this Inbox (`run` beside
                // `watch`) archived it and removed it. Not a rejection, and nothing to move.
                if Self.vanished(path) { continue }
                let companion = CompletePageFormat.folder(for: path)
                guard try quarantine(path, problem: rejected.problem ?? CorpusError(file: path, stage: .read, reason: "rejected")) else {
                    continue
                }
                // A saved page's folder goes to quarantine with it, under its own name.
                if let companion {
                    try quarantine(companion.path, problem: rejected.problem ?? CorpusError(file: path, stage: .read, reason: "rejected"))
                }
            } else {
                // The batch is committed (ingest returned), so the bytes are durably archived
                // (a saved page's folder with them).
                let companion = CompletePageFormat.folder(for: path)
                unlink(path)
                if let companion { Self.removeFolder(companion) }
            }
            onOutcome(outcomes)
            reported.append((path, outcomes))
        }
        return (reported.flatMap(\.outcomes), notes)
    }

    /// Removes a folder and what it holds, never following a symbolic link out of it.
    static func removeFolder(_ folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            let path = folder.appendingPathComponent(name)
            var info = stat()
            guard lstat(path.path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR { removeFolder(path) } else { unlink(path.path) }
        }
        rmdir(folder.path)
    }

    static func vanished(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) != 0 && errno == ENOENT
    }

    /// Moves `path` into `.rejected/` under a name that clashes with nothing, beside its reason.
    /// Returns false if the file vanished meanwhile (another process took it).
    @discardableResult
    public func quarantine(_ path: String, problem: CorpusError) throws -> Bool {
        try FileManager.default.createDirectory(at: rejectedURL, withIntermediateDirectories: true)
        let name = (path as NSString).lastPathComponent
        var target = rejectedURL.appendingPathComponent(name)
        var counter = 1
        while FileManager.default.fileExists(atPath: target.path) || FileManager.default.fileExists(atPath: target.path + ".error.json") {
            target = rejectedURL.appendingPathComponent("\(name).\(counter)")
            counter += 1
        }
        let body: JSONValue = .object([
            "file": .string(name), "stage": .string(problem.stage.rawValue), "reason": .string(problem.description),
            "time": .string(WARCDate.string(Date()))
        ])
        let reasonURL = URL(fileURLWithPath: target.path + ".error.json")
        try FileIO.writeAtomically(body.prettyData(), to: reasonURL)
        guard rename(path, target.path) == 0 else {
            let code = errno
            if code == ENOENT && Self.vanished(path) {
                unlink(reasonURL.path)
                return false
            }
            throw CorpusError(file: path, stage: .read, reason: "cannot move to \(target.path): \(String(cString: strerror(code)))")
        }
        return true
    }
}
