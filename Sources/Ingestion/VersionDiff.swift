import Archiving
import CorpusKit
import Foundation
import RecordBuilding

/// What changed between a document's last two versions, paragraph by paragraph.
public struct VersionDiff: Codable, Sendable {
    public struct Version: Codable, Sendable {
        public var date: String
        public var payloadSHA256: String?
        enum CodingKeys: String, CodingKey {
            case date
            case payloadSHA256 = "payload_sha256"
        }
    }
    public struct Change: Codable, Sendable, Equatable {
        public enum Operation: String, Codable, Sendable { case removed, added }
        public var op: Operation
        public var paragraph: Int
        public var text: String
    }

    public var id: String
    /// How many distinct versions the document has (captures that changed nothing not counted).
    public var versions: Int
    /// The version before the latest; absent when the document has only one.
    public var from: Version?
    public var to: Version
    public var changes: [Change]

    /// Rebuilds the texts of the two latest versions from their raw captures and compares them.
    /// A document with one version has nothing to compare: no `from`, no changes. Throws when
    /// the archive has no such document.
    public static func latest(id: String, store: ArchiveStore, builder: RecordBuilder) throws -> VersionDiff {
        let limit = builder.config.pipeline.maxWARCRecordBytes
        let versions = try CaptureHistory.entries(for: id, store: store, limit: limit).filter { $0.status != .unchanged }
        guard let latest = versions.last else {
            throw CorpusError(file: id, stage: .archive, reason: "no such record (see `dccorpus list`)")
        }
        guard versions.count >= 2 else {
            return VersionDiff(
                id: id, versions: 1, from: nil, to: Version(date: latest.date, payloadSHA256: latest.payloadSHA256), changes: [])
        }
        let pair = Array(versions.suffix(2))
        let texts = try pair.map { entry -> [String] in
            guard let record = try CaptureHistory.record(id: entry.recordID, in: entry.warc, store: store, limit: limit),
                let capture = try WARCImport.capture(from: record, file: entry.warc, decodeLimit: builder.config.pipeline.maxInputBytes)
            else {
                throw CorpusError(file: entry.warc, stage: .warc, reason: "capture \(entry.recordID) of \(id) is missing")
            }
            let rebuilt = try builder.build(capture, archive: ArchiveLocation(warc: entry.warc, recordID: entry.recordID))
            return rebuilt.text.pieces(separatedBy: "\n\n")
        }
        var changes: [Change] = []
        for change in texts[1].difference(from: texts[0]) {
            switch change {
            case .remove(let offset, let text, _): changes.append(Change(op: .removed, paragraph: offset + 1, text: text))
            case .insert(let offset, let text, _): changes.append(Change(op: .added, paragraph: offset + 1, text: text))
            }
        }
        return VersionDiff(
            id: id, versions: versions.count, from: Version(date: pair[0].date, payloadSHA256: pair[0].payloadSHA256),
            to: Version(date: pair[1].date, payloadSHA256: pair[1].payloadSHA256), changes: changes)
    }
}
