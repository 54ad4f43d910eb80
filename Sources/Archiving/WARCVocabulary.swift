import Foundation

/// The record types of WARC 1.1 (section 6), and `continuation` which older files may hold.
public enum WARCRecordType: String, Sendable, CaseIterable {
    case warcinfo, response, resource, request, metadata, revisit, conversion, continuation

    /// What a replay tool serves (and a CDXJ index lists).
    public var isReplayable: Bool { self == .response || self == .revisit || self == .resource }

    /// A record whose block may be an HTTP message (`application/http`).
    public var carriesHTTP: Bool { self == .response || self == .request || self == .revisit }
}

/// A WARC named field. Names compare case-insensitively when read (`WARCRecord.subscript`) and
/// are written as spelled here.
public struct WARCField: Hashable, Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }

    public static let type = WARCField("WARC-Type")
    public static let recordID = WARCField("WARC-Record-ID")
    public static let date = WARCField("WARC-Date")
    public static let targetURI = WARCField("WARC-Target-URI")
    public static let contentType = WARCField("Content-Type")
    public static let contentLength = WARCField("Content-Length")
    public static let blockDigest = WARCField("WARC-Block-Digest")
    public static let payloadDigest = WARCField("WARC-Payload-Digest")
    public static let ipAddress = WARCField("WARC-IP-Address")
    public static let concurrentTo = WARCField("WARC-Concurrent-To")
    public static let refersTo = WARCField("WARC-Refers-To")
    public static let refersToTargetURI = WARCField("WARC-Refers-To-Target-URI")
    public static let refersToDate = WARCField("WARC-Refers-To-Date")
    public static let profile = WARCField("WARC-Profile")
    public static let filename = WARCField("WARC-Filename")
    public static let warcinfoID = WARCField("WARC-Warcinfo-ID")
    public static let truncated = WARCField("WARC-Truncated")
}

/// The `Content-Type` values of the records dccorpus writes.
public enum WARCContentType {
    public static let httpResponse = "application/http; msgtype=response"
    public static let httpRequest = "application/http; msgtype=request"
    public static let fields = "application/warc-fields"
}

/// The revisit profiles of WARC 1.1 (section 6.7.2 and 6.7.3); 1.0's spellings are read too.
public enum WARCRevisitProfile {
    public static let identicalPayloadDigest = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    public static let serverNotModified = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

    /// Whether `profile` (any WARC version's URI) says the payload is the referred record's.
    public static func isIdenticalPayload(_ profile: String?) -> Bool {
        profile?.hasSuffix("/revisit/identical-payload-digest") == true
    }
}
