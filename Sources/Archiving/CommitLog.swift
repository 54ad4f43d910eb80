import CorpusKit
import Crypto
import Foundation

/// The keeper's signing key: ECDSA on P-384 with SHA-256, the key type that WACZ's anonymous
/// signing mode and ReplayWeb.page's check of it take, so one key signs the commit log and the
/// WACZ packages. The private half lives in a file outside the bag that only its owner may read;
/// the public half (DER SubjectPublicKeyInfo, base64) is pinned in `Config/integrity.toml` and
/// written into the bag's commit log by the first entry it signs.
public struct SigningKey: Sendable {
    /// The private key's raw scalar (swift-crypto's key type is not `Sendable`: it is made
    /// again from these bytes where it signs).
    let rawPrivateKey: Data
    /// The public key, DER SubjectPublicKeyInfo.
    public let publicKeyDER: Data

    public init(_ privateKey: P384.Signing.PrivateKey) {
        rawPrivateKey = privateKey.rawRepresentation
        publicKeyDER = privateKey.publicKey.derRepresentation
    }

    public static func generate() -> SigningKey { SigningKey(P384.Signing.PrivateKey()) }

    var privateKey: P384.Signing.PrivateKey {
        // The bytes came from a valid key: this cannot fail.
        try! P384.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
    }

    public var publicKeyBase64: String { publicKeyDER.base64EncodedString() }
    public var id: String { Self.id(publicKey: publicKeyDER) }

    /// `p384:` and the first 16 hex digits of the SHA-256 of the public key's DER.
    public static func id(publicKey der: Data) -> String { "p384:" + Digest.sha256Hex(der).prefix(16) }

    /// ECDSA over the SHA-256 of `bytes`, as r‖s (96 bytes).
    public func sign(_ bytes: Data) throws -> Data {
        try privateKey.signature(for: SHA256.hash(data: bytes)).rawRepresentation
    }

    /// Whether `signature` (r‖s or DER) is `publicKey`'s (DER SPKI, base64) over `bytes`.
    public static func isValid(signature: Data, of bytes: Data, publicKey: String) -> Bool {
        guard let der = Data(base64Encoded: publicKey), let key = try? P384.Signing.PublicKey(derRepresentation: der) else { return false }
        guard
            let parsed = (try? P384.Signing.ECDSASignature(rawRepresentation: signature))
                ?? (try? P384.Signing.ECDSASignature(derRepresentation: signature))
        else { return false }
        return key.isValidSignature(parsed, for: SHA256.hash(data: bytes))
    }

    static let header = "-----BEGIN DCCORPUS P-384 PRIVATE KEY-----"
    static let footer = "-----END DCCORPUS P-384 PRIVATE KEY-----"

    /// Writes the key, readable by its owner only, in a folder only its owner may enter;
    /// never over an existing file.
    public func write(to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let text = "\(Self.header)\n\(privateKey.rawRepresentation.base64EncodedString())\n\(Self.footer)\n"
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CorpusError(file: url.path, stage: .config, reason: "cannot create the key file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw CorpusError(file: url.path, stage: .config, reason: "cannot write the key file: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key file; refuses one that others may read or write (as ssh does).
    public static func read(from url: URL) throws -> SigningKey {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw CorpusError(file: url.path, stage: .config, reason: "signing key: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw CorpusError(
                file: url.path, stage: .config,
                reason: "signing key is readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8))): chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CorpusError(file: url.path, stage: .config, reason: "signing key cannot be read")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard lines.count == 3, lines[0] == header, lines[2] == footer, let raw = Data(base64Encoded: lines[1]),
            let key = try? P384.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw CorpusError(file: url.path, stage: .config, reason: "not a dccorpus signing key")
        }
        return SigningKey(key)
    }
}

/// How this process signs its commits: with the key, not at all (no key configured), or not
/// (the configured key cannot be read, and what the configuration says to do then).
public enum CommitSigner: Sendable {
    case none
    case key(SigningKey)
    case unavailable(reason: String, policy: IntegrityConfig.Unsigned)

    /// The signer `Config/integrity.toml` describes: its key file read and checked against the
    /// pinned public key.
    public init(_ config: IntegrityConfig) {
        guard let pinned = config.key else {
            self = .none
            return
        }
        guard let file = config.privateKeyFile else {
            self = .unavailable(
                reason: "\(config.file ?? IntegrityConfig.fileName) names no signing.private_key_file", policy: config.unsigned)
            return
        }
        do {
            let key = try SigningKey.read(from: URL(fileURLWithPath: file))
            guard key.id == pinned.id, key.publicKeyBase64 == pinned.publicKey else {
                self = .unavailable(
                    reason: "\(file) holds key \(key.id), but \(config.file ?? IntegrityConfig.fileName) pins \(pinned.id)",
                    policy: config.unsigned)
                return
            }
            self = .key(key)
        } catch let error as CorpusError {
            self = .unavailable(reason: error.description, policy: config.unsigned)
        } catch {
            self = .unavailable(reason: "\(error)", policy: config.unsigned)
        }
    }
}

/// The bag's commit log, `commit-log.jsonl`: one line per committed write, each the canonical
/// JSON (RFC 8785) of an entry that names the tag manifest the commit left (which covers every
/// payload manifest), the digest of the line before it, and what changed, signed with the
/// keeper's key. A tag file outside the tag manifest (which it describes).
public enum CommitLog {
    public static let fileName = "commit-log.jsonl"

    public static func url(_ root: URL) -> URL { root.appendingPathComponent(fileName) }

    /// What a commit asks the log to say (kept in the commit's journal, so that a replay after
    /// a crash appends the same entry, once).
    public struct Intent: Codable, Sendable, Equatable {
        public var commit: String
        public var command: String
        public var changes: [String: Int]
        public var time: String
    }

    /// The log's lines as written (each without its line feed).
    public static func lines(_ root: URL) -> [Data]? {
        guard let data = FileManager.default.contents(atPath: url(root).path) else { return nil }
        return data.split(separator: 10, omittingEmptySubsequences: false).dropLast(data.last == 10 ? 1 : 0).map { Data($0) }
    }

    /// An entry's signed content: the entry without its signature, as canonical JSON.
    static func signedBytes(_ fields: [String: JSONValue]) -> Data {
        var unsigned = fields
        unsigned.removeValue(forKey: "signature")
        return JSONValue.object(unsigned).canonicalData()
    }

    /// Appends the entry for `intent` (once: a replay finds it there), signed with `key`.
    /// A replay on another day rewrites bag-info.txt's Bagging-Date, and so the tag manifest:
    /// the entry is then made again for the bag as it is.
    public static func append(root: URL, intent: Intent, key: SigningKey, tagManifest: URL) throws {
        let digest = try Digest.sha256File(at: tagManifest).hex
        try append(root: root, key: key) { fields in
            fields["kind"] = .string("commit")
            fields["commit"] = .string(intent.commit)
            fields["command"] = .string(intent.command)
            fields["time"] = .string(intent.time)
            fields["changes"] = .object(intent.changes.mapValues { .int(Int64($0)) })
            fields["tagmanifest_sha256"] = .string(digest)
        } isDone: { last in
            last["commit"] == .string(intent.commit) && last["tagmanifest_sha256"] == .string(digest)
        }
    }

    /// Appends a key rotation: the new key, signed by the old one.
    public static func appendRotation(root: URL, old: SigningKey, new: SigningKey, time: String, tagManifest: URL) throws {
        try append(root: root, key: old) { fields in
            fields["kind"] = .string("key-rotation")
            fields["time"] = .string(time)
            fields["new_key"] = .string(new.id)
            fields["new_public_key"] = .string(new.publicKeyBase64)
            fields["tagmanifest_sha256"] = .string(try Digest.sha256File(at: tagManifest).hex)
        } isDone: { _ in
            false
        }
    }

    /// The log's first entry for a key (`key init`): the key, and the bag as it is.
    public static func appendStart(root: URL, key: SigningKey, time: String, tagManifest: URL) throws {
        try append(root: root, key: key) { fields in
            fields["kind"] = .string("key")
            fields["time"] = .string(time)
            fields["tagmanifest_sha256"] = .string(try Digest.sha256File(at: tagManifest).hex)
        } isDone: { _ in
            false
        }
    }

    static func append(
        root: URL, key: SigningKey, fill: (inout [String: JSONValue]) throws -> Void, isDone: ([String: JSONValue]) -> Bool
    ) throws {
        let existing = lines(root) ?? []
        var previousKeys = Set<String>()
        for line in existing {
            guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: line) else { continue }
            if case .string(let id)? = fields["key"] { previousKeys.insert(id) }
        }
        if let last = existing.last, case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: last), isDone(fields) {
            return
        }
        var fields: [String: JSONValue] = [
            "seq": .int(Int64(existing.count)), "key": .string(key.id),
            "previous": existing.last.map { .string(Digest.sha256Hex($0)) } ?? .null
        ]
        // The public key goes into the bag with the first entry it signs.
        if !previousKeys.contains(key.id) { fields["public_key"] = .string(key.publicKeyBase64) }
        try fill(&fields)
        fields["signature"] = .string(try key.sign(signedBytes(fields)).base64EncodedString())
        var data = Data()
        for line in existing {
            data.append(line)
            data.append(10)
        }
        data.append(JSONValue.object(fields).canonicalData())
        data.append(10)
        try FileIO.writeAtomically(data, to: url(root), durable: true)
    }

    /// What the log says of the bag, and every way it fails to hold.
    public struct Check: Sendable {
        public var entries = 0
        public var lastTime: String?
        public var keys: [String] = []
        public var problems: [(line: Int?, message: String)] = []
        public var signed: Bool { entries > 0 }
    }

    /// Checks every entry's signature against the trusted keys (`trusted`: id → public key,
    /// base64), the chain of digests and sequence numbers, and that the last entry names the tag
    /// manifest as it is. Keys take turns: the first entry's key signs until a rotation it signs
    /// names the next, and only the current key signs (a retired key cannot sign after its
    /// rotation); the last current key must be `current` (the pinned one), when given.
    public static func check(root: URL, trusted: [String: String], tagManifest: URL, current pinned: String? = nil) -> Check {
        var check = Check()
        guard let lines = lines(root) else { return check }
        var trusted = trusted
        var current: String?
        var previous: Data?
        for (index, line) in lines.enumerated() {
            let number = index + 1
            defer { previous = line }
            guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: line) else {
                check.problems.append((number, "entry \(number) is not a JSON object"))
                continue
            }
            check.entries += 1
            if fields["seq"] != .int(Int64(index)) {
                check.problems.append(
                    (
                        number,
                        "entry \(number) has sequence number \(fields["seq"].map(describe) ?? "none"), not \(index): an entry is missing or out of order"
                    ))
            }
            let expected: JSONValue = previous.map { .string(Digest.sha256Hex($0)) } ?? .null
            if (fields["previous"] ?? .null) != expected {
                check.problems.append((number, "entry \(number) does not follow entry \(index): the chain of digests is broken"))
            }
            guard case .string(let keyID)? = fields["key"], case .string(let signatureText)? = fields["signature"],
                let signature = Data(base64Encoded: signatureText)
            else {
                check.problems.append((number, "entry \(number) has no key or signature"))
                continue
            }
            if case .string(let time)? = fields["time"] { check.lastTime = time }
            if !check.keys.contains(keyID) { check.keys.append(keyID) }
            guard let publicText = trusted[keyID] else {
                check.problems.append(
                    (
                        number,
                        "entry \(number) is signed by key \(keyID), which Config/integrity.toml does not pin (nor a rotation it trusts)"
                    ))
                continue
            }
            guard SigningKey.isValid(signature: signature, of: signedBytes(fields), publicKey: publicText) else {
                check.problems.append((number, "entry \(number): the signature does not verify with key \(keyID): the entry was changed"))
                continue
            }
            if let current, keyID != current {
                check.problems.append(
                    (
                        number,
                        "entry \(number) is signed by key \(keyID), but \(current) was the signing key then (a retired or skipped key)"
                    ))
            }
            current = keyID
            if fields["kind"] == .string("key-rotation"), case .string(let newID)? = fields["new_key"],
                case .string(let newKey)? = fields["new_public_key"]
            {
                trusted[newID] = newKey
                current = newID
            }
        }
        if let pinned, let current, current != pinned {
            check.problems.append((nil, "the log's signing key is \(current) now, but Config/integrity.toml pins \(pinned)"))
        }
        if let last = lines.last, case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: last) {
            let now = (try? Digest.sha256File(at: tagManifest).hex) ?? "none"
            if fields["tagmanifest_sha256"] != .string(now) {
                check.problems.append(
                    (
                        nil,
                        "the bag changed after its last signed commit (entry \(lines.count)\(check.lastTime.map { ", \($0)" } ?? "")): "
                            + "tagmanifest-sha256.txt is not the one that entry signed"
                    ))
            }
        }
        return check
    }

    static func describe(_ value: JSONValue) -> String { String(decoding: value.canonicalData(), as: UTF8.self) }
}
