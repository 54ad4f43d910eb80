import CorpusKit
import Foundation

/// An advisory `flock` on `Archive/.lock`: writers take it exclusively, readers shared.
/// A second writer waits (polling every 50 ms) up to the configured timeout, then gives up with
/// a message naming the holder, instead of failing at once or writing beside the first.
public final class ArchiveLock {
    private let descriptor: Int32
    public let path: String

    public enum Mode: Sendable { case shared, exclusive }

    /// A reader of a read-only archive (write-protected, or on read-only media) holds no lock
    /// when there is no lock file to open: no writer can be at work there.
    public static func acquire(path: String, mode: Mode, timeout: Double) throws -> ArchiveLock? {
        do {
            return try ArchiveLock(path: path, mode: mode, timeout: timeout)
        } catch let error as OpenFailure where mode == .shared && (error.code == EACCES || error.code == EROFS || error.code == ENOENT) {
            return nil
        } catch let error as OpenFailure {
            let hint = error.code == EACCES || error.code == EROFS ? " (the archive is not writable by this user)" : ""
            throw CorpusError(file: path, stage: .lock, reason: "cannot open lock file: \(String(cString: strerror(error.code)))\(hint)")
        }
    }

    struct OpenFailure: Error { let code: Int32 }

    private init(path: String, mode: Mode, timeout: Double) throws {
        self.path = path
        var handle = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if handle < 0, mode == .shared, errno == EACCES || errno == EROFS {
            handle = open(path, O_RDONLY | O_CLOEXEC)  // flock works on a read-only descriptor
        }
        guard handle >= 0 else { throw OpenFailure(code: errno) }
        descriptor = handle
        let operation = (mode == .exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
        let deadline = Date().addingTimeInterval(timeout)
        while flock(descriptor, operation) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw CorpusError(file: path, stage: .lock, reason: String(cString: strerror(errno)))
            }
            if Date() >= deadline {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(descriptor)
                throw CorpusError(
                    file: path, stage: .lock,
                    reason:
                        "archive is busy (held by \(holder.isEmpty ? "another process" : "pid \(holder)")); gave up after \(Int(timeout)) s (pipeline.toml limits.lock_timeout_seconds)"
                )
            }
            usleep(50_000)
        }
        if mode == .exclusive {
            ftruncate(descriptor, 0)
            let pid = Data("\(getpid())\n".utf8)
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
