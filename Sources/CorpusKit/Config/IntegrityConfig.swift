import Foundation

/// `Config/integrity.toml`: the keeper's signing key (its public half pinned here, its private
/// half in a file outside the bag), the keys it replaced, and the trusted timestamp authority.
/// Written by `dccorpus key init` / `key rotate`; absent means the archive is not signed. Not
/// part of the configuration hash records carry: a key rotation changes no record.
public struct IntegrityConfig: Sendable, Equatable {
    public struct PinnedKey: Sendable, Equatable {
        /// `p384:` and the first 16 hex digits of the SHA-256 of the public key's DER.
        public var id: String
        /// The ECDSA P-384 public key, DER SubjectPublicKeyInfo, base64.
        public var publicKey: String
        public init(id: String, publicKey: String) {
            self.id = id
            self.publicKey = publicKey
        }
    }

    /// What a commit does when the private key cannot be read: refuse (nothing is written) or
    /// commit unsigned with a warning.
    public enum Unsigned: String, Sendable { case refuse, warn }

    public var key: PinnedKey?
    public var privateKeyFile: String?
    /// Keys this archive was signed with before (each retired by an entry the next one trusts).
    public var previousKeys: [PinnedKey] = []
    public var unsigned = Unsigned.refuse
    /// An RFC 3161 time-stamping authority: the log's head is stamped after each command.
    public var tsaURL: String?
    /// PEM file of the certificates the TSA's must chain to.
    public var tsaCertificates: String?
    /// The file this was read from (for messages).
    public var file: String?

    public init() {}

    public static let fileName = "integrity.toml"

    /// `Config/integrity.toml` below `root`, or an empty configuration when there is none.
    public static func load(root: URL) throws -> IntegrityConfig {
        let url = root.appendingPathComponent("Config").appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return IntegrityConfig() }
        var config = try parse(try CorpusConfig.readText(url), file: url.path)
        config.file = url.path
        return config
    }

    public static func parse(_ text: String, file: String) throws -> IntegrityConfig {
        var top = try TableReader(file: file, path: "", value: CorpusConfig.parseTOML(text, file: file))
        var config = IntegrityConfig()
        var signing = try top.table("signing")
        let id = try signing.string("key_id", default: "")
        let publicKey = try signing.string("public_key", default: "")
        if !id.isEmpty || !publicKey.isEmpty {
            guard !id.isEmpty, !publicKey.isEmpty else {
                throw CorpusError(file: file, stage: .config, reason: "signing.key_id and signing.public_key go together")
            }
            config.key = PinnedKey(id: id, publicKey: publicKey)
        }
        let privateFile = try signing.string("private_key_file", default: "")
        config.privateKeyFile = privateFile.isEmpty ? nil : privateFile
        for entry in try signing.strings("previous_keys") {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw CorpusError(file: file, stage: .config, reason: "signing.previous_keys: \"\(entry)\" is not KEY-ID=PUBLIC-KEY")
            }
            config.previousKeys.append(PinnedKey(id: parts[0], publicKey: parts[1]))
        }
        let unsigned = try signing.string("unsigned", default: "refuse")
        guard let policy = Unsigned(rawValue: unsigned) else {
            throw CorpusError(file: file, stage: .config, reason: "signing.unsigned must be \"refuse\" or \"warn\"")
        }
        config.unsigned = policy
        try signing.finish()
        var timestamp = try top.table("timestamp")
        let tsa = try timestamp.string("tsa_url", default: "")
        config.tsaURL = tsa.isEmpty ? nil : tsa
        let certificates = try timestamp.string("tsa_certificates", default: "")
        config.tsaCertificates = certificates.isEmpty ? nil : certificates
        try timestamp.finish()
        try top.finish()
        return config
    }

    /// The file's text for `key`, `previous` and the other settings (what `key init` and
    /// `key rotate` write).
    public func text() -> String {
        var lines = [
            "# Written by `dccorpus key init` and `dccorpus key rotate`. The private key stays outside the",
            "# archive (owner-only); the public key is pinned here and in the bag's commit log.",
            "[signing]"
        ]
        if let key {
            lines.append("key_id = \"\(key.id)\"")
            lines.append("public_key = \"\(key.publicKey)\"")
        }
        if let privateKeyFile { lines.append("private_key_file = \"\(Self.escaped(privateKeyFile))\"") }
        lines.append("previous_keys = [\(previousKeys.map { "\"\($0.id)=\($0.publicKey)\"" }.joined(separator: ", "))]")
        lines.append("unsigned = \"\(unsigned.rawValue)\"   # \"warn\": commit unsigned, with a warning, when the key cannot be read")
        lines.append("")
        lines.append("[timestamp]")
        lines.append("# An RFC 3161 time-stamping authority for the log's head after each command, and the PEM")
        lines.append("# certificates its signature must chain to.")
        lines.append("tsa_url = \"\(Self.escaped(tsaURL ?? ""))\"")
        lines.append("tsa_certificates = \"\(Self.escaped(tsaCertificates ?? ""))\"")
        return lines.joined(separator: "\n") + "\n"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Every key the archive may be signed with, by id.
    public var trustedKeys: [String: String] {
        var keys: [String: String] = [:]
        for pinned in previousKeys + (key.map { [$0] } ?? []) { keys[pinned.id] = pinned.publicKey }
        return keys
    }
}
