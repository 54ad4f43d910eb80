import CorpusKit
import Foundation

/// Lines of a CDXJ index (the pywb / OutbackCDX form): `SURT-KEY TIMESTAMP {json}`, one per
/// replayable record (`response`, `revisit`, `resource`), sorted as bytes so replay tools can
/// binary-search them.
public enum CDXJ {
    /// The index line of one record, or nil for records no replay tool serves (request,
    /// metadata, warcinfo) and records without a target URI. `filename` is the WARC file's
    /// name alone: pywb and WACZ both resolve it against their folder of WARC files.
    public static func line(for record: WARCRecord, offset: UInt64, length: UInt64, filename: String) -> String? {
        let type = record.type
        guard type == .response || type == .revisit || type == .resource, let url = record.targetURI, !url.isEmpty,
            let date = record[.date]
        else { return nil }
        var mime = "unk"
        var status: String? = nil
        if type == .resource {
            mime = mediaType(record[.contentType]) ?? "unk"
            status = "200"
        } else if let head = record.httpHead {
            status = head.status.map(String.init)
            if let contentType = head.contentType { mime = mediaType(contentType) ?? mime }
            if type == .revisit { mime = "warc/revisit" }
        }
        var fields: [String: JSONValue] = [
            "url": .string(url), "mime": .string(mime), "length": .string(String(length)), "offset": .string(String(offset)),
            "filename": .string(filename)
        ]
        if let status { fields["status"] = .string(status) }
        if let digest = record[.payloadDigest] { fields["digest"] = .string(digest) }
        // Canonical JSON: one line, keys sorted, the same bytes for the same record.
        let json = String(decoding: JSONValue.object(fields).canonicalData(), as: UTF8.self)
        return "\(surt(url)) \(timestamp(date)) \(json)"
    }

    /// A line's timestamp and its JSON's string fields, or nil for a line that is no entry.
    public static func entry(_ line: String) -> (timestamp: String, fields: [String: String])? {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, let value = try? JSONValue.parse(Data(parts[2].utf8)), case .object(let members) = value else { return nil }
        var fields: [String: String] = [:]
        for (key, member) in members { if case .string(let text) = member { fields[key] = text } }
        return (String(parts[1]), fields)
    }

    /// `20250411083000` → `2025-04-11T08:30:00Z` (the inverse of `timestamp`).
    public static func warcDate(_ timestamp: String) -> String {
        let d = Array(timestamp.padding(toLength: 14, withPad: "0", startingAt: 0))
        return
            "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))T\(String(d[8..<10])):\(String(d[10..<12])):\(String(d[12..<14]))Z"
    }

    /// `2025-04-11T08:30:00Z` → `20250411083000`.
    public static func timestamp(_ warcDate: String) -> String {
        String(warcDate.filter(\.isNumber).prefix(14)).padding(toLength: 14, withPad: "0", startingAt: 0)
    }

    /// The Sort-friendly URI Reordering Transform as Python's `surt` (what pywb and OutbackCDX
    /// use) writes it by default: scheme and `www.` dropped, host labels reversed and joined
    /// by commas, a default port dropped, `)` before the path, everything lower-case, query
    /// arguments sorted, fragment dropped. Non-web URIs (`file:`, `urn:`) are only lower-cased.
    public static func surt(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url.lowercased() }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            // `file:///tmp/a.html` → `file:/tmp/a.html`, as Python's surt writes it.
            let rest = url[schemeEnd.upperBound...].drop { $0 == "/" }
            return (scheme + ":/" + rest).lowercased()
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd].lowercased()
        var pathAndQuery = String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        var host = authority
        var port = ""
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            port = String(authority[authority.index(after: colon)...])
        }
        if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") { port = "" }
        while host.hasSuffix(".") { host.removeLast() }
        if let www = host.range(of: #"^www\d*\."#, options: .regularExpression) { host.removeSubrange(www) }
        var key = host.split(separator: ".", omittingEmptySubsequences: false).reversed().joined(separator: ",")
        if !port.isEmpty { key += ":" + port }
        if !pathAndQuery.hasPrefix("/") { pathAndQuery = "/" + pathAndQuery }
        var path = pathAndQuery
        var query = ""
        if let question = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<question])
            query = String(pathAndQuery[pathAndQuery.index(after: question)...])
        }
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let arguments = query.split(separator: "&").map(String.init).filter { !$0.isEmpty }.sorted()
        var out = key + ")" + path
        if !arguments.isEmpty { out += "?" + arguments.joined(separator: "&") }
        return out.lowercased()
    }

    static func mediaType(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type.isEmpty ? nil : type
    }
}
