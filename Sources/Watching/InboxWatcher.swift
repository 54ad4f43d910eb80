import CorpusKit
import Foundation
import Ingestion
import RecordBuilding
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One line of `watch` output.
public struct WatchEvent: Encodable, Sendable {
    /// What the line reports: an input's outcome, a note about the folder, or a validation.
    public enum Event: String, Encodable, Sendable {
        case ingested, changed, unchanged, rejected, conflict, note, validated

        init(_ status: IngestOutcome.Status) {
            switch status {
            case .ingested: self = .ingested
            case .changed: self = .changed
            case .unchanged: self = .unchanged
            case .rejected: self = .rejected
            case .conflict: self = .conflict
            }
        }
    }
    public var event: Event
    public var file: String?
    public var id: String?
    public var error: String?
    public var ms: Double?
    public var errors: Int?
    public var warnings: Int?

    public static func outcome(_ outcome: IngestOutcome, ms: Double) -> WatchEvent {
        WatchEvent(event: Event(outcome.status), file: outcome.file, id: outcome.id, error: outcome.error, ms: (ms * 10).rounded() / 10)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        switch event {
        case .validated:
            try container.encode(errors, forKey: .errors)
            try container.encode(warnings, forKey: .warnings)
        case .note:
            try container.encode(file, forKey: .file)
            try container.encode(error, forKey: .error)
        case .ingested, .changed, .unchanged, .rejected, .conflict:
            try container.encode(file, forKey: .file)
            try container.encode(id, forKey: .id)
            try container.encode(error, forKey: .error)
            try container.encode(ms, forKey: .ms)
        }
    }
    enum CodingKeys: String, CodingKey { case event, file, id, error, ms, errors, warnings }
}

/// The write end of the pipe the signal handler wakes the watcher through (signal handlers can
/// only do async-signal-safe things: an atomic load and a write).
private let signalPipe = Atomic<Int32>(-1)

/// Watches `Inbox/` with inotify and feeds what lands there through the ingest pipeline.
///
/// A background thread blocks in `read` on the inotify descriptor and queues events, so the
/// kernel queue is drained while a batch is being ingested; the main loop sleeps in `poll` until
/// events or a signal arrive (no polling interval). Files are taken on `IN_CLOSE_WRITE` or
/// `IN_MOVED_TO`, once quiet for the settle window; an `IN_Q_OVERFLOW` triggers a rescan of the
/// folder, as does start-up. SIGINT/SIGTERM end the watcher after the current batch.
public final class InboxWatcher {
    public let inbox: InboxFolder
    public let ingestor: Ingestor
    /// A file written and closed is taken only after this long without further writes.
    public var settle: TimeInterval = 0.03
    /// How long a saved page's `_files` folder must be left alone before the pair is taken: its
    /// files are written without events the watcher sees, so their times are read instead.
    static let folderSettle: TimeInterval = 1
    /// How long after a failed batch the watcher rescans Inbox/.
    public var retryDelay: TimeInterval = 10

    public init(inbox: InboxFolder, ingestor: Ingestor) {
        self.inbox = inbox
        self.ingestor = ingestor
    }

    struct KernelEvent: Sendable {
        var mask: UInt32
        var name: String
        var time: Date
        var undecodable = false
    }

    /// Events read by the background thread, waiting for the main loop.
    final class EventQueue: Sendable {
        let events = Mutex<[KernelEvent]>([])
    }

    /// Processes what is in the folder, then (unless `once`) watches until a signal.
    /// `emit` gets every event; `validate` runs after each batch.
    public func run(once: Bool, emit: (WatchEvent) -> Void, validate: () throws -> (errors: Int, warnings: Int)) throws {
        let folder = inbox.url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CorpusError(file: folder, stage: .read, reason: "Inbox/ is missing or not a folder")
        }
        var info = stat()
        if lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            throw CorpusError(
                file: folder, stage: .read, reason: "Inbox/ is a symbolic link; the watcher never follows links out of the project")
        }
        if once {
            _ = try batch(names: nil, started: [:], emit: emit, validate: validate, alwaysValidate: true)
            return
        }

        let kernel = try KernelWatch(folder: folder)
        defer { kernel.shutDown() }
        let queue = kernel.queue
        let wake = kernel.wake
        let signals = kernel.signals

        // A batch that fails as a whole (a full disk, an archive that became read-only, a lock
        // held past its timeout) leaves its files in Inbox/; the watcher says so and rescans later
        // instead of exiting, so it outlives the fault.
        var retryAt: Date? = nil
        // Validation runs once the Inbox has been quiet for the settle window, not after every
        // batch: a file dropped while the archive is being validated waits for nothing.
        var validationDue = false
        // Batches keep the derived replay and digest indexes in memory; they are written when the
        // Inbox is quiet, with validation, and when the watcher stops (see `deferIndexWrites`).
        ingestor.store.deferIndexWrites()
        func validateIfDue() {
            guard validationDue else { return }
            validationDue = false
            do {
                try ingestor.store.flushIndexes()
            } catch {
                emit(WatchEvent(event: .note, file: nil, error: "\(error) (the indexes are derived: the next command catches up)"))
            }
            do {
                let result = try validate()
                emit(WatchEvent(event: .validated, errors: result.errors, warnings: result.warnings))
            } catch {
                emit(WatchEvent(event: .note, file: nil, error: "\(error)"))
            }
        }
        func batchOrRetry(_ names: [String]?, _ started: [String: Date]) {
            do {
                if try batch(names: names, started: started, emit: emit, validate: validate, deferValidation: true) { validationDue = true }
            } catch {
                emit(
                    WatchEvent(
                        event: .note, file: nil,
                        error: "\(error); the files stay in Inbox/, retrying in \(Int(retryDelay)) s"))
                retryAt = Date().addingTimeInterval(retryDelay)
            }
        }
        // Start-up: whatever arrived while the watcher was down.
        batchOrRetry(nil, [:])
        var arrivals = Arrivals(inbox: inbox.url, settle: settle)
        var stop = false
        while !stop {
            var timeout = arrivals.timeout(retryAt: retryAt)
            let idle = Int32((settle * 1000).rounded(.up))
            if validationDue && (timeout < 0 || timeout > idle) { timeout = idle }
            var fds = [pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0), pollfd(fd: signals[0], events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR { break }
            if fds[1].revents != 0 { stop = true }
            if ready == 0 && arrivals.isEmpty && queue.events.withLock({ $0.isEmpty }) { validateIfDue() }
            var drain = [UInt8](repeating: 0, count: 4096)
            while read(wake[0], &drain, drain.count) > 0 {}
            var rescan = false
            var overflowed = false
            for event in queue.events.withLock({ events -> [KernelEvent] in
                defer { events.removeAll() }
                return events
            }) {
                switch try arrivals.note(event, folder: folder) {
                case .nothing: break
                case .rescan: rescan = true
                case .overflow: (rescan, overflowed) = (true, true)
                case .subfolder(let path):
                    emit(
                        WatchEvent(
                            event: .note, file: path, error: "subfolders are not watched or processed; move the files up into Inbox/"))
                }
            }
            let now = Date()
            if let due = retryAt, now >= due {
                rescan = true
                retryAt = nil
            }
            if rescan {
                if overflowed {
                    emit(WatchEvent(event: .note, file: folder, error: "kernel event queue overflowed; rescanning Inbox/"))
                }
                batchOrRetry(nil, arrivals.firstSeen)
                arrivals = Arrivals(inbox: inbox.url, settle: settle)
            } else {
                let names = arrivals.due(now: now)
                if !names.isEmpty {
                    batchOrRetry(names.sorted(), arrivals.firstSeen)
                    arrivals.taken(names)
                }
            }
        }
        validateIfDue()  // what the last batches changed, before the watcher ends
    }

    /// Files the kernel reported arriving in Inbox/, until they are taken: when each was last
    /// written, when it was first seen, and which are complete already (renamed in).
    struct Arrivals {
        let inbox: URL
        let settle: TimeInterval
        /// name -> time of last write activity
        var lastActivity: [String: Date] = [:]
        /// name -> when its first event was read
        var firstSeen: [String: Date] = [:]
        /// renamed in: complete, no settle needed
        var takeNow = Set<String>()

        init(inbox: URL, settle: TimeInterval) {
            self.inbox = inbox
            self.settle = settle
        }

        var isEmpty: Bool { takeNow.isEmpty && lastActivity.isEmpty }

        /// What an event asks of the loop besides being noted.
        enum Notice {
            case nothing, rescan, overflow
            /// A folder dropped into Inbox/ (not a saved page's `_files`): said, and left alone.
            case subfolder(String)
        }

        /// How long poll may sleep: until the soonest file settles or a retry is due (-1: no limit).
        func timeout(retryAt: Date?) -> Int32 {
            var timeout: Int32 = -1
            if let soonest = lastActivity.values.min() {
                timeout = Int32(max(0, (soonest.addingTimeInterval(settle).timeIntervalSinceNow * 1000).rounded(.up)))
            }
            if let due = retryAt {
                let wait = Int32(max(0, (due.timeIntervalSinceNow * 1000).rounded(.up)))
                timeout = timeout < 0 ? wait : min(timeout, wait)
            }
            return takeNow.isEmpty ? timeout : 0
        }

        mutating func note(_ event: KernelEvent, folder: String) throws -> Notice {
            if event.mask & UInt32(IN_Q_OVERFLOW) != 0 { return .overflow }
            if event.undecodable { return .rescan }
            if event.mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                throw CorpusError(file: folder, stage: .read, reason: "Inbox/ was removed or moved away while watched")
            }
            if event.mask & UInt32(IN_IGNORED) != 0 || event.name.isEmpty || InboxFolder.isIgnored(event.name) { return .nothing }
            if event.mask & UInt32(IN_ISDIR) != 0 {
                // A saved page's `_files` folder is taken with its page, once both have settled.
                if event.name.hasSuffix("_files") {
                    if let page = CompletePageFormat.page(forFolder: inbox.appendingPathComponent(event.name).path) {
                        let name = (page as NSString).lastPathComponent
                        takeNow.remove(name)
                        lastActivity[name] = event.time
                    }
                    return .nothing
                }
                let made = event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0
                return made ? .subfolder(inbox.appendingPathComponent(event.name).path) : .nothing
            }
            if firstSeen[event.name] == nil { firstSeen[event.name] = event.time }
            if event.mask & UInt32(IN_MOVED_TO) != 0 {
                takeNow.insert(event.name)
                lastActivity.removeValue(forKey: event.name)
            } else if event.mask & UInt32(IN_CLOSE_WRITE | IN_MODIFY) != 0 {
                if !takeNow.contains(event.name) { lastActivity[event.name] = event.time }
            } else if event.mask & UInt32(IN_CREATE) != 0 {
                var info = stat()
                // A symbolic link dropped in is reported (and quarantined) at once.
                if lstat(inbox.appendingPathComponent(event.name).path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                    takeNow.insert(event.name)
                }
            }
            return .nothing
        }

        /// The files ready to take: renamed in, or settled. A page whose `_files` folder is
        /// still being written waits for it (its files make no events here: only Inbox/ itself
        /// is watched).
        mutating func due(now: Date) -> [String] {
            var names = Array(takeNow)
            for (name, last) in lastActivity where now.timeIntervalSince(last) >= settle { names.append(name) }
            let folderSettle = max(settle, InboxWatcher.folderSettle)
            names.removeAll { name in
                guard let folder = CompletePageFormat.folder(for: inbox.appendingPathComponent(name).path),
                    let changed = CompletePageFormat.newestChange(in: folder),
                    now.timeIntervalSince(changed) < folderSettle
                else { return false }
                takeNow.remove(name)
                lastActivity[name] = changed.addingTimeInterval(folderSettle - settle)
                return true
            }
            return names
        }

        /// Forgets the files a batch took.
        mutating func taken(_ names: [String]) {
            for name in names {
                lastActivity.removeValue(forKey: name)
                takeNow.remove(name)
                firstSeen.removeValue(forKey: name)
            }
        }
    }

    /// The kernel side of watching: the inotify descriptor, the pipe the reader thread wakes the
    /// main loop through, the pipe SIGINT/SIGTERM write to, the pipe that stops the reader, and
    /// the reader thread itself. `shutDown` (also on a throw, through `defer`) stops the reader,
    /// waits for it, restores the signal handlers and closes every descriptor.
    final class KernelWatch {
        let descriptor: Int32
        let wake: [Int32]
        let signals: [Int32]
        let stop: [Int32]
        let queue = EventQueue()
        private let readerDone = DispatchSemaphore(value: 0)
        private var isShutDown = false

        init(folder: String) throws {
            func failure(_ call: String) -> CorpusError {
                CorpusError(file: folder, stage: .read, reason: "\(call): \(String(cString: strerror(errno)))")
            }
            let descriptor = inotify_init1(Int32(IN_CLOEXEC))
            guard descriptor >= 0 else { throw failure("inotify_init1") }
            var opened: [Int32] = [descriptor]
            func closeOpened() { for fd in opened { close(fd) } }
            let mask = UInt32(
                IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
            guard inotify_add_watch(descriptor, folder, mask) >= 0 else {
                let error = failure("inotify_add_watch")
                closeOpened()
                throw error
            }
            var pipes: [[Int32]] = []
            for _ in 0..<3 {
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else {
                    let error = failure("pipe")
                    closeOpened()
                    throw error
                }
                opened += ends
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                pipes.append(ends)
            }
            self.descriptor = descriptor
            (wake, signals, stop) = (pipes[0], pipes[1], pipes[2])
            _ = fcntl(wake[0], F_SETFL, O_NONBLOCK)
            _ = fcntl(signals[1], F_SETFL, O_NONBLOCK)
            signalPipe.store(signals[1], ordering: .relaxed)
            let handler: @convention(c) (Int32) -> Void = { _ in
                var byte: UInt8 = 1
                _ = write(signalPipe.load(ordering: .relaxed), &byte, 1)
            }
            signal(SIGINT, handler)
            signal(SIGTERM, handler)
            // A parent may have started us with these signals blocked (process launchers do); a
            // watcher that cannot be stopped politely would lose its current batch to SIGKILL.
            var stopSignals = sigset_t()
            sigemptyset(&stopSignals)
            sigaddset(&stopSignals, SIGINT)
            sigaddset(&stopSignals, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
            startReader()
        }

        /// Reads inotify events into the queue and wakes the main loop, until the stop pipe
        /// becomes readable or the descriptor fails.
        private func startReader() {
            let (descriptor, wakeWrite, stopRead, queue, done) = (self.descriptor, wake[1], stop[0], queue, readerDone)
            let reader = Thread {
                defer { done.signal() }
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    var fds = [
                        pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)
                    ]
                    let ready = poll(&fds, 2, -1)
                    if ready < 0 && errno == EINTR { continue }
                    guard ready > 0, fds[1].revents == 0 else { return }
                    let count = read(descriptor, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return }
                    let now = Date()
                    var events: [KernelEvent] = []
                    var offset = 0
                    while offset + 16 <= count {
                        let eventMask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                        let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                        let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                        // A name that is not UTF-8 is renamed by a rescan (InboxFolder.renameUndecodableNames).
                        let name = String(validating: nameBytes, as: UTF8.self)
                        events.append(KernelEvent(mask: eventMask, name: name ?? "", time: now, undecodable: name == nil))
                        offset += 16 + length
                    }
                    queue.events.withLock { $0.append(contentsOf: events) }
                    var byte: UInt8 = 1
                    _ = write(wakeWrite, &byte, 1)
                }
            }
            reader.start()
        }

        func shutDown() {
            guard !isShutDown else { return }
            isShutDown = true
            var byte: UInt8 = 1
            _ = write(stop[1], &byte, 1)
            _ = readerDone.wait(timeout: .now() + 5)
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            signalPipe.store(-1, ordering: .relaxed)
            for fd in [descriptor] + wake + signals + stop { close(fd) }
        }

        deinit { shutDown() }
    }

    /// One batch: ingest (one lock), report each file as soon as it is durable, then validate.
    func batch(
        names: [String]?, started: [String: Date], emit: (WatchEvent) -> Void,
        validate: () throws -> (errors: Int, warnings: Int), alwaysValidate: Bool = false, deferValidation: Bool = false
    ) throws -> Bool {
        let begin = Date()
        let (outcomes, notes) = try inbox.process(names: names, with: ingestor) { outcomes in
            let now = Date()
            for outcome in outcomes {
                let name = ((outcome.file.components(separatedBy: "#").first ?? outcome.file) as NSString).lastPathComponent
                let since = started[name] ?? begin
                emit(.outcome(outcome, ms: now.timeIntervalSince(since) * 1000))
            }
        }
        for note in notes { emit(WatchEvent(event: .note, file: nil, error: note)) }
        if outcomes.isEmpty && !alwaysValidate { return false }
        if deferValidation { return true }
        let result = try validate()
        emit(WatchEvent(event: .validated, errors: result.errors, warnings: result.warnings))
        return false
    }
}
