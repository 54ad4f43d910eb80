import Foundation
import Synchronization

/// One updating line on stderr for a long command: `ingest: 1,200/8,000  412/s  about 17 s left`.
/// Only when stderr is a terminal and the output is not `--json` (cron, pipes and scripts see
/// nothing of it); at most ten updates a second; cleared when the work ends.
final class ProgressLine: Sendable {
    let label: String
    let enabled: Bool
    private let state = Mutex<(started: Date, shown: Date, width: Int)>((Date(), .distantPast, 0))

    init(_ label: String, options: GlobalOptions) {
        self.label = label
        enabled = !options.json && isatty(STDERR_FILENO) == 1
    }

    /// For a terminal: the line as it reads at `done` of `total` items.
    static func text(label: String, done: Int, total: Int, elapsed: Double) -> String {
        var text = "\(label): \(done.formatted())/\(total.formatted())"
        if elapsed > 0.5, done > 0 {
            let rate = Double(done) / elapsed
            text += "  \(rate >= 10 ? String(Int(rate.rounded())) : String(format: "%.1f", rate))/s"
            let left = Double(total - done) / rate
            if done < total { text += "  about \(left >= 90 ? "\(Int((left / 60).rounded())) min" : "\(Int(left.rounded())) s") left" }
        }
        return text
    }

    func update(_ done: Int, of total: Int) {
        guard enabled else { return }
        let now = Date()
        let line: String? = state.withLock { state in
            guard done == total || now.timeIntervalSince(state.shown) >= 0.1 else { return nil }
            state.shown = now
            let text = Self.text(label: label, done: done, total: total, elapsed: now.timeIntervalSince(state.started))
            let padded = text + String(repeating: " ", count: max(0, state.width - text.count))
            state.width = text.count
            return "\r" + padded
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Clears the line (the command's own report follows on stdout).
    func finish() {
        guard enabled else { return }
        let width = state.withLock { $0.width }
        guard width > 0 else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: width) + "\r").utf8))
    }
}
