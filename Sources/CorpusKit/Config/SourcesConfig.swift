import Foundation

/// One entry of `Config/sources.toml`.
public struct SourceEntry: Sendable, Equatable {
    public enum TLSPolicy: String, Sendable {
        case verify
        case recordInsecure = "record-insecure"
    }
    public var id: String
    public var url: String
    public var kind: DocumentKind?
    public var lesson: Int?
    public var tls: TLSPolicy
    public var enabled: Bool
    public var note: String?
    /// When this source's page is a lesson post, also capture the Chinese original it links to.
    public var followOriginal: Bool
    /// `requisites = false`: this source's page is archived without its images, styles and
    /// media even when `pipeline.toml [requisites]` is on.
    public var requisites: Bool

    public init(
        id: String, url: String, kind: DocumentKind? = nil, lesson: Int? = nil, tls: TLSPolicy = .verify, enabled: Bool = true,
        note: String? = nil, followOriginal: Bool = true, requisites: Bool = true
    ) {
        self.requisites = requisites
        self.id = id
        self.url = url
        self.kind = kind
        self.lesson = lesson
        self.tls = tls
        self.enabled = enabled
        self.note = note
        self.followOriginal = followOriginal
    }

    /// Loads `Config/sources.toml` below `root` (an absent file means no sources).
    public static func load(root: URL) throws -> [SourceEntry] {
        let url = root.appendingPathComponent("Config/sources.toml")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let text = try CorpusConfig.readText(url)
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [SourceEntry] {
        var top = try TableReader(file: file, path: "", value: CorpusConfig.parseTOML(text, file: file))
        var entries: [SourceEntry] = []
        var seen = Set<String>()
        for var table in try top.tables("source") {
            let id = try table.string("id", default: nil)
            guard !id.isEmpty, !seen.contains(id) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).id \"\(id)\" is empty or used twice")
            }
            seen.insert(id)
            let address = try table.string("url", default: nil)
            guard let parsed = URL(string: address), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                parsed.host != nil
            else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).url must be an http or https URL")
            }
            let kindName = try table.string("kind", default: "")
            var kind: DocumentKind? = nil
            if !kindName.isEmpty {
                guard let known = DocumentKind(rawValue: kindName) else {
                    throw CorpusError(file: file, stage: .config, reason: "\(table.path).kind: unknown kind \"\(kindName)\"")
                }
                kind = known
            }
            let lesson = try table.int("lesson", default: 0, range: 0...13)
            let tlsName = try table.string("tls", default: "verify")
            guard let tls = TLSPolicy(rawValue: tlsName) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).tls must be \"verify\" or \"record-insecure\"")
            }
            let enabled = try table.bool("enabled", default: true)
            let note = try table.string("note", default: "")
            let follow = try table.bool("follow_original", default: true)
            let requisites = try table.bool("requisites", default: true)
            try table.finish()
            entries.append(
                SourceEntry(
                    id: id, url: address, kind: kind, lesson: lesson == 0 ? nil : lesson, tls: tls,
                    enabled: enabled, note: note.isEmpty ? nil : note, followOriginal: follow,
                    requisites: requisites))
        }
        _ = try top.tables("host")  // read by HostPolicy.parse
        try top.finish()
        return entries
    }
}

/// How to fetch from a host that no source names (a lesson's Chinese original, reached by its
/// link): `[[host]]` tables in `Config/sources.toml`.
public struct HostPolicy: Sendable, Equatable {
    public var host: String
    public var tls: SourceEntry.TLSPolicy

    public init(host: String, tls: SourceEntry.TLSPolicy) {
        self.host = host
        self.tls = tls
    }

    public static func load(root: URL) throws -> [HostPolicy] {
        let url = root.appendingPathComponent("Config/sources.toml")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try parse(try CorpusConfig.readText(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [HostPolicy] {
        var top = try TableReader(file: file, path: "", value: CorpusConfig.parseTOML(text, file: file))
        var policies: [HostPolicy] = []
        for var table in try top.tables("host") {
            let host = try table.string("name", default: nil).lowercased()
            guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).name must be a host name, like www.bjcc.gov.cn")
            }
            let tlsName = try table.string("tls", default: "verify")
            guard let tls = SourceEntry.TLSPolicy(rawValue: tlsName) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).tls must be \"verify\" or \"record-insecure\"")
            }
            try table.finish()
            policies.append(HostPolicy(host: host, tls: tls))
        }
        return policies
    }

    /// The policy for `url`'s host: configured, else verify.
    public static func tls(for url: String, in policies: [HostPolicy]) -> SourceEntry.TLSPolicy {
        guard let host = URL(string: url)?.host?.lowercased() else { return .verify }
        return policies.first { $0.host == host }?.tls ?? .verify
    }
}
