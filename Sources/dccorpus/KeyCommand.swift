import Archiving
import ArgumentParser
import CorpusKit
import Foundation

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "The keeper's signing key: every commit then appends a signed, hash-chained entry that `verify` checks.",
        subcommands: [KeyInit.self, KeyRotate.self, KeyShow.self])
}

/// Where a new key goes when no --key-file says: outside the project, readable by its owner only.
func defaultKeyFile(for key: SigningKey) -> URL {
    let environment = ProcessInfo.processInfo.environment
    let base =
        environment["XDG_CONFIG_HOME"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
    let name = key.id.replacingOccurrences(of: ":", with: "-") + ".key"
    return base.appendingPathComponent("dccorpus/keys").appendingPathComponent(name)
}

/// Makes a key, writes it (never inside the bag), and pins it in Config/integrity.toml.
func makeKey(file: String?, options: GlobalOptions, keeping previous: IntegrityConfig) throws -> (SigningKey, IntegrityConfig) {
    let key = SigningKey.generate()
    let url = file.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? defaultKeyFile(for: key)
    // Resolved through links, as the file system will: a key inside the bag would travel with it.
    // Links resolve only in folders that exist: the nearest existing one is resolved, and the
    // folders still to be made are added after it.
    func resolved(_ url: URL) -> String {
        var existing = url
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        return ([existing.resolvingSymlinksInPath().path] + rest).joined(separator: "/") + "/"
    }
    let folder = resolved(url.deletingLastPathComponent())
    let archive = resolved(options.archiveURL)
    guard !folder.hasPrefix(archive) else {
        throw Fail.usage(
            "\(url.path): the private key must not be inside the archive (\(options.archiveURL.path)): it would travel with it")
    }
    do { try key.write(to: url) } catch let error as CorpusError { throw Fail.usage(error.description) }
    var config = previous
    config.key = IntegrityConfig.PinnedKey(id: key.id, publicKey: key.publicKeyBase64)
    config.privateKeyFile = url.path
    let configFile = options.rootURL.appendingPathComponent("Config").appendingPathComponent(IntegrityConfig.fileName)
    try FileIO.makeFolder(configFile.deletingLastPathComponent())
    try FileIO.writeAtomically(Data(config.text().utf8), to: configFile, durable: true)
    return (key, config)
}

struct KeyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the keeper's signing key (ECDSA P-384) outside the archive and pin its public key in Config/integrity.toml.",
        discussion:
            "The private key is written owner-only (default: ~/.config/dccorpus/keys/). The next commit starts the bag's signed commit log."
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Where to write the private key (never inside Archive/).") var keyFile: String?

    func run() throws {
        try guarded {
            let existing: IntegrityConfig
            do { existing = try IntegrityConfig.load(root: options.rootURL) } catch let error as CorpusError {
                throw Fail.usage(error.description)
            }
            if let pinned = existing.key {
                throw Fail.usage(
                    "\(existing.file ?? IntegrityConfig.fileName): a key is pinned already (\(pinned.id)); `dccorpus key rotate` replaces it"
                )
            }
            let (key, config) = try makeKey(file: keyFile, options: options, keeping: existing)
            // The log starts now, naming the bag as it is (made if there is none yet).
            var loaded = try options.loadConfig()
            loaded.integrity = config
            try ArchiveStore(root: options.archiveURL, config: loaded).startLog(with: key)
            if options.json {
                Output.jsonLine(["key_id": key.id, "public_key": key.publicKeyBase64, "private_key_file": config.privateKeyFile ?? ""])
            } else {
                Output.line("key \(key.id): private key in \(config.privateKeyFile ?? "?") (owner-only; keep a copy somewhere safe)")
                Output.line(
                    "public key pinned in Config/\(IntegrityConfig.fileName); the commit log starts with it, and every commit is signed")
            }
        }
    }
}

struct KeyRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace the signing key: a log entry signed by the old key names the new one, which is pinned in its place.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Where to write the new private key (never inside Archive/).") var keyFile: String?

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            guard let old = config.integrity.key else {
                throw Fail.usage("no key is pinned in Config/\(IntegrityConfig.fileName): `dccorpus key init` makes one")
            }
            let store = options.archive(config)
            guard case .key = store.signer else {
                if case .unavailable(let reason, _) = store.signer { throw Fail.usage("cannot rotate: \(reason)") }
                throw Fail.usage("cannot rotate: no signing key")
            }
            var kept = config.integrity
            kept.previousKeys.append(old)
            let (key, updated) = try makeKey(file: keyFile, options: options, keeping: kept)
            do {
                try store.rotate(to: key)
            } catch {
                // The log did not take the new key: pin the old one again.
                let file = options.rootURL.appendingPathComponent("Config").appendingPathComponent(IntegrityConfig.fileName)
                try? FileIO.writeAtomically(Data(config.integrity.text().utf8), to: file, durable: true)
                throw error
            }
            Output.line("key \(old.id) → \(key.id): rotation signed by the old key; private key in \(updated.privateKeyFile ?? "?")")
        }
    }
}

struct KeyShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "The pinned key and the state of the commit log.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let check = CommitLog.check(
                root: store.root, trusted: config.integrity.trustedKeys, tagManifest: store.bag.tagManifestURL)
            var readable = "none configured"
            switch store.signer {
            case .key: readable = "readable"
            case .unavailable(let reason, _): readable = "NOT readable: \(reason)"
            case .none: break
            }
            if options.json {
                Output.jsonDocument(
                    KeyState(
                        keyID: config.integrity.key?.id, publicKey: config.integrity.key?.publicKey,
                        privateKeyFile: config.integrity.privateKeyFile, privateKey: readable, logEntries: check.entries,
                        lastEntry: check.lastTime, problems: check.problems.map(\.message)))
                return
            }
            Output.line("key: \(config.integrity.key?.id ?? "none pinned") (private key \(readable))")
            if let file = config.integrity.privateKeyFile { Output.line("private key file: \(file)") }
            Output.line(
                "commit log: \(check.entries) entries" + (check.lastTime.map { ", last \($0)" } ?? "")
                    + (check.problems.isEmpty ? "" : ", \(check.problems.count) problems (run `dccorpus verify`)"))
        }
    }

    struct KeyState: Encodable {
        var keyID: String?
        var publicKey: String?
        var privateKeyFile: String?
        var privateKey: String
        var logEntries: Int
        var lastEntry: String?
        var problems: [String]
        enum CodingKeys: String, CodingKey {
            case keyID = "key_id"
            case publicKey = "public_key"
            case privateKeyFile = "private_key_file"
            case privateKey = "private_key"
            case logEntries = "log_entries"
            case lastEntry = "last_entry"
            case problems
        }
    }
}
