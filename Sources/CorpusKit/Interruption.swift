import Foundation
import Synchronization

/// Ctrl-C during a long command: the first SIGINT asks the work to stop between items (what is
/// done is committed, the journal guarantees the rest); a second one ends the process at once.
public enum Interruption {
    private static let flag = Atomic<Bool>(false)

    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// What the signal handler does (an atomic store: safe in a handler).
    public static func request() { flag.store(true, ordering: .relaxed) }

    /// Catches the first SIGINT for a command that stops between items.
    public static func install() {
        signal(SIGINT) { _ in
            Interruption.request()
            signal(SIGINT, SIG_DFL)  // a second Ctrl-C is not asked twice
        }
    }
}
