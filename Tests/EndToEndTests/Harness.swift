import Foundation
import Testing

/// Runs the built `dccorpus` in a temporary project root, as users and cron do. The root is
/// removed when the test lets go of its harness.
final class Harness {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = repository.appendingPathComponent(".build/debug/dccorpus")
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures")

    let root: URL
    var inbox: URL { root.appendingPathComponent("Inbox") }
    var archive: URL { root.appendingPathComponent("Archive") }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw HarnessError("build the binary first (swift build): \(Self.binary.path) is missing")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Inbox"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("Config"), to: root.appendingPathComponent("Config"))
        // The real sources are on the Internet; a test that fetches writes its own sources.toml.
        try FileManager.default.removeItem(at: root.appendingPathComponent("Config/sources.toml"))
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    struct HarnessError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        func jsonLines() throws -> [[String: Any]] {
            try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
    }

    @discardableResult
    func run(_ arguments: [String], unprivileged: Bool = false) throws -> Result {
        Self.result(of: start(arguments, unprivileged: unprivileged))
    }

    /// Runs the binary with exactly `arguments` (no `--root` added) in `folder`.
    func run(exactly arguments: [String], in folder: URL) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return Self.result(of: process)
    }

    /// A started process's output and exit status, once it ends.
    static func result(of process: Process) -> Result {
        let stdout = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let stderr = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The uid a test drops to (as root, permissions would not apply): `nobody`.
    static let unprivilegedID: UInt32 = 65534

    /// A copy of the binary that `nobody` can run even when the checkout is in a private home.
    static let unprivilegedBinary: URL = {
        let folder = URL(fileURLWithPath: "/tmp/dccorpus-unprivileged-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("dccorpus")
        try? FileManager.default.removeItem(at: copy)
        try? FileManager.default.copyItem(at: binary, to: copy)
        chmod(folder.path, 0o755)
        chmod(copy.path, 0o755)
        return copy
    }()

    /// Hands the project root to the unprivileged user, so that file modes decide again.
    func giveToUnprivilegedUser() throws {
        guard geteuid() == 0 else { return }
        let enumerator = FileManager.default.enumerator(atPath: root.path)!
        chown(root.path, Self.unprivilegedID, Self.unprivilegedID)
        while let relative = enumerator.nextObject() as? String {
            lchown(root.appendingPathComponent(relative).path, Self.unprivilegedID, Self.unprivilegedID)
        }
    }

    func start(_ arguments: [String], unprivileged: Bool = false) -> Process {
        let process = Process()
        if unprivileged && geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments =
                [
                    "--reuid=\(Self.unprivilegedID)", "--regid=\(Self.unprivilegedID)", "--clear-groups",
                    Self.unprivilegedBinary.path
                ] + arguments + ["--root", root.path]
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments + ["--root", root.path]
        }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try! process.run()
        return process
    }

    func copyFixture(_ relative: String, to folder: URL, as name: String? = nil) throws -> URL {
        let target = folder.appendingPathComponent(name ?? (relative as NSString).lastPathComponent)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(relative), to: target)
        return target
    }

    static let seeds = [
        "seeds/000_cab2845c5521bb26.txt", "seeds/001_e888cff12df4c64b.txt",
        "seeds/002_33b4e771621f73b9.txt", "seeds/004_39c44c1376242463.txt"
    ]
}
