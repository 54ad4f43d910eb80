import Archiving
import CorpusKit
import Foundation
import RecordBuilding

/// One page's requisites as WARC records, made before the page's record is built: a
/// `request`/`response` pair per requisite (each redirect hop too), or a `revisit` when the same
/// payload is already archived (by this run or an earlier one), the page's metadata fields that
/// list what it embedded and what was skipped and why, and the parts of its videos.
struct PreparedRequisites: Sendable {
    var records: [WARCRecord] = []
    var fields: [(field: CaptureField, value: String)] = []
    /// Each embedded video's or audio's address and the records of its parts, in page order.
    var media: [(url: String, parts: [MediaPart])] = []

    /// What `video.archived` says, given the WARC file this session writes (for parts written now).
    func archivedVideos(warc: String) -> [ArchivedVideo] {
        media.compactMap { item in
            ArchivedMedia.video(
                url: item.url,
                parts: item.parts.map { part in
                    var part = part
                    if part.warc.isEmpty { part.warc = warc }
                    return part
                })
        }
    }
}

/// Payload digests already archived, so that a requisite seen before is a revisit: the archive's
/// (from its CDXJ index) and, as records are made, this run's.
struct ArchivedPayloads {
    struct Known {
        var url: String
        var date: String
        /// Known for this run's records; read from the WARC file for an earlier run's media.
        var recordID: String?
        /// `data/warc/…`; "" for this session's file.
        var warc: String
        var offset: UInt64?
    }

    var byDigest: [String: Known] = [:]
    let store: ArchiveStore
    let limit: Int

    /// The archive's `response` and `resource` records with their payload digests, from `index.cdxj`.
    init(store: ArchiveStore, limit: Int) {
        self.store = store
        self.limit = limit
        guard let data = try? FileIO.read(store.cdxjURL, limit: 1 << 34) else { return }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let entry = CDXJ.entry(String(line)), let digest = entry.fields["digest"], digest.hasPrefix("sha256:"),
                entry.fields["mime"] != "warc/revisit", entry.fields["status"] == "200", let url = entry.fields["url"],
                let file = entry.fields["filename"]
            else { continue }
            byDigest[String(digest.dropFirst(7))] = Known(
                url: url, date: CDXJ.warcDate(entry.timestamp), recordID: nil, warc: "data/warc/\(file)",
                offset: entry.fields["offset"].flatMap(UInt64.init))
        }
    }

    /// The record id of an earlier run's record (read once from its WARC file).
    mutating func recordID(of digest: String) -> String? {
        guard var known = byDigest[digest] else { return nil }
        if let id = known.recordID { return id }
        guard let offset = known.offset,
            let record = try? WARCFileReader(path: store.root.appendingPathComponent(known.warc).path, limit: limit).record(at: offset)
        else { return nil }
        known.recordID = record.recordID
        byDigest[digest] = known
        return record.recordID
    }

    /// How many skipped requisites a page's metadata lists by name.
    static let skippedListed = 1_000

    /// The records of one page's requisites, in the order they were found.
    mutating func prepare(_ requisites: [Requisite]) -> PreparedRequisites {
        var prepared = PreparedRequisites()
        var mediaOrder: [String] = []
        var skipped = 0
        var parts: [String: [MediaPart]] = [:]
        for requisite in requisites {
            guard let response = requisite.response else {
                // A hostile page can name a million addresses: the first ones are listed, the rest counted.
                skipped += 1
                if skipped <= Self.skippedListed {
                    prepared.fields.append((.requisiteSkipped, "\(requisite.kind) \(requisite.url) \(requisite.skipped ?? "not fetched")"))
                }
                continue
            }
            let date = WARCDate.string(response.date)
            var ipField: [(field: WARCField, value: String)] = []
            if let ip = response.remoteIP { ipField = [(.ipAddress, ip)] }
            let digest = Digest.sha256Hex(response.body)
            let hops = FetchJob.hopRecords(response)
            let main: WARCRecord
            var bytesAt: (recordID: String, warc: String)
            if !response.body.isEmpty, let known = byDigest[digest], let originalID = known.recordID ?? recordID(of: digest) {
                var revisit = WARCRecord.make(
                    type: .revisit, date: date, contentType: WARCContentType.httpResponse, block: response.responseHead,
                    extra: [(.targetURI, response.finalURL)] + ipField + [
                        (.profile, WARCRevisitProfile.identicalPayloadDigest), (.refersTo, originalID),
                        (.refersToTargetURI, known.url), (.refersToDate, known.date)
                    ],
                    payloadDigest: false)
                revisit.insertBeforeLength(.payloadDigest, "sha256:" + digest)
                main = revisit
                bytesAt = (originalID, known.warc)
            } else {
                var block = response.responseHead
                block.append(response.body)
                main = WARCRecord.make(
                    type: .response, date: date, contentType: WARCContentType.httpResponse, block: block,
                    extra: [(.targetURI, response.finalURL)] + ipField)
                if !response.body.isEmpty {
                    byDigest[digest] = Known(url: response.finalURL, date: date, recordID: main.recordID, warc: "", offset: nil)
                }
                bytesAt = (main.recordID, "")
            }
            prepared.records +=
                hops + [
                    FetchJob.requestRecord(response, date: date, concurrentTo: main.recordID, ipField: ipField), main
                ]
            prepared.fields.append(
                (.requisite, "\(main.recordID) \(requisite.kind) \(requisite.url)" + (requisite.note.map { " \($0)" } ?? "")))
            if let media = requisite.media {
                if parts[media] == nil { mediaOrder.append(media) }
                parts[media, default: []].append(
                    MediaPart(kind: requisite.kind, recordID: bytesAt.recordID, warc: bytesAt.warc, payload: response.body))
                prepared.fields.append((.mediaRecord, ArchivedMedia.field(media: media, kind: requisite.kind, recordID: bytesAt.recordID)))
            }
        }
        if skipped > Self.skippedListed {
            prepared.fields.append((.requisiteSkipped, "more - \(skipped - Self.skippedListed) more skipped requisites, not listed"))
        }
        prepared.media = mediaOrder.map { ($0, parts[$0] ?? []) }
        return prepared
    }
}
