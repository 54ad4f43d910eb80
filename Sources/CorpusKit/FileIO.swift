import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Durable file operations: every file the archive keeps is written to a temporary name in
/// the same folder, fsynced, renamed into place, and the folder fsynced, so a killed process
/// leaves either the old file or the new one, never half of one.
public enum FileIO {
    /// `syncFolder: false` leaves the folder's fsync to the caller, who writes several files
    /// into it and syncs it once.
    public static func writeAtomically(_ data: Data, to url: URL, durable: Bool = true, syncFolder: Bool = true) throws {
        let folder = url.deletingLastPathComponent()
        // A file name, said so: Foundation would otherwise ask the file system whether it is a folder.
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: false)
        do {
            do {
                try writeNew(data, to: temporary, durable: durable)
            } catch let error as CorpusError where error.systemCode == ENOENT {
                // The folder is made only when it is missing: a batch of files into one folder
                // costs no `mkdir` and `stat` per file.
                try makeFolder(folder)
                try writeNew(data, to: temporary, durable: durable)
            }
        } catch let error as CorpusError {
            // Name the file the user knows, not the temporary one (already removed by writeNew).
            throw CorpusError(file: url.path, stage: error.stage, reason: error.reason, systemCode: error.systemCode)
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw CorpusError(file: url.path, stage: .archive, reason: "rename failed: \(reason)")
        }
        if durable && syncFolder { try syncDirectory(folder) }
    }

    /// Makes `folder` (and its parents) unless it exists: one `mkdir` in the usual case, where
    /// Foundation's `createDirectory` stats every component (a millisecond of a watcher's batch).
    public static func makeFolder(_ folder: URL) throws {
        if mkdir(folder.path, 0o755) == 0 { return }
        if errno == EEXIST {
            var info = stat()
            if stat(folder.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return }
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CorpusError(file: folder.path, stage: .archive, reason: "could not make the folder: \(error.localizedDescription)")
        }
    }

    /// The names in `folder` (not `.` and `..`), unsorted; empty when it cannot be read. One
    /// `readdir` pass: Foundation's listing cost a watcher's batch about a millisecond at
    /// 1,000 records, and batches list `data/corpus/` and `data/warc/`.
    public static func names(in folder: URL) -> [String] {
        guard let directory = opendir(folder.path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a new file (fails if it exists), writes everything, optionally fsyncs. A file
    /// that could not be written whole (a full disk) is removed again.
    public static func writeNew(_ data: Data, to url: URL, durable: Bool) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw errnoError(url, "create") }
        do {
            try writeAll(descriptor, data, url)
            if durable, fsync(descriptor) != 0 { throw errnoError(url, "fsync") }
        } catch {
            close(descriptor)
            unlink(url.path)
            throw error
        }
        close(descriptor)
    }

    public static func writeAll(_ descriptor: Int32, _ data: Data, _ url: URL) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw errnoError(url, "write")
                }
                offset += written
            }
        }
    }

    /// A descriptor open for reading at `offset` (where an index says a record begins).
    public static func openForReading(_ path: String, at offset: UInt64 = 0) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CorpusError(file: path, stage: .read, reason: String(cString: strerror(errno))) }
        if offset > 0, lseek(descriptor, off_t(offset), SEEK_SET) != off_t(offset) {
            let reason = "cannot seek to offset \(offset): \(String(cString: strerror(errno)))"
            close(descriptor)
            throw CorpusError(file: path, stage: .read, reason: reason)
        }
        return descriptor
    }

    /// Flushes a file written by someone else's writer (a library that writes through stdio).
    public static func syncFile(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw errnoError(url, "open") }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw errnoError(url, "fsync") }
    }

    public static func syncDirectory(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw errnoError(url, "open folder") }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw errnoError(url, "fsync folder") }
    }

    /// Fails unless `url` is a readable regular file; returns its size.
    @discardableResult
    public static func requireReadableFile(_ url: URL) throws -> Int {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block the open
        guard descriptor >= 0 else { throw CorpusError(file: url.path, stage: .read, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        return try regularFileSize(descriptor, url)
    }

    static func regularFileSize(_ descriptor: Int32, _ url: URL) throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw errnoError(url, "stat") }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw CorpusError(file: url.path, stage: .read, reason: "is a directory")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CorpusError(file: url.path, stage: .read, reason: "not a regular file")
        }
        return Int(info.st_size)
    }

    /// Reads a whole file, refusing anything larger than `limit` before reading it.
    public static func read(_ url: URL, limit: Int) throws -> Data {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block the open
        guard descriptor >= 0 else { throw CorpusError(file: url.path, stage: .read, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let size = try regularFileSize(descriptor, url)
        if size > limit {
            throw CorpusError(
                file: url.path, stage: .read,
                reason: "file is \(size) bytes, over the \(limit)-byte limit (pipeline.toml limits.max_input_bytes)")
        }
        // Read into memory that is not zeroed first (`Data(count:)` clears every byte the read
        // then overwrites), and handed to the Data without a copy.
        guard let buffer = malloc(max(size, 1)) else { throw CorpusError(file: url.path, stage: .read, reason: "out of memory") }
        var offset = 0
        while offset < size {
            let count = Glibc.read(descriptor, buffer + offset, size - offset)
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                free(buffer)
                throw CorpusError(file: url.path, stage: .read, reason: reason)
            }
            if count == 0 { break }
            offset += count
        }
        return Data(bytesNoCopy: buffer, count: offset, deallocator: .free)
    }

    static func errnoError(_ url: URL, _ action: String) -> CorpusError {
        let code = errno
        return CorpusError(
            file: url.path, stage: .archive, reason: "\(action) failed: \(String(cString: strerror(code)))", systemCode: code)
    }
}
