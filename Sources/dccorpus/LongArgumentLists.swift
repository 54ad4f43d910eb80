import ArgumentParser

/// A command with one list that can run to thousands of arguments: `ingest pages/*.html`,
/// `clean`, `reprocess` ids, `fetch --url …`.
protocol LongListCommand: ParsableCommand {
    /// That list, in the order given.
    static var longList: WritableKeyPath<Self, [String]> { get }
    /// Whether the list is the command's positional arguments (else: the values of `--url`).
    static var listIsPositional: Bool { get }
}

extension LongListCommand {
    static var listIsPositional: Bool { true }
}

extension Ingest: LongListCommand { static var longList: WritableKeyPath<Ingest, [String]> { \.paths } }
extension Clean: LongListCommand { static var longList: WritableKeyPath<Clean, [String]> { \.files } }
extension Reprocess: LongListCommand { static var longList: WritableKeyPath<Reprocess, [String]> { \.ids } }
extension Fetch: LongListCommand {
    static var longList: WritableKeyPath<Fetch, [String]> { \.urls }
    static var listIsPositional: Bool { false }
}

/// ArgumentParser collects a repeated argument in time quadratic in its count (each value
/// copies the array so far and merges the set of input positions): 1,000 paths took 70 ms
/// before a command started, 8,000 took 2 s. So a long list is set aside before parsing and
/// given to the command after it (then validated again), in the order it was given.
///
/// Only what is certainly part of the list is set aside, which holds because no option of ours
/// takes more than one value: a word (not starting with `-`) right after the subcommand or
/// after another word, or anything after `--`, is a positional argument; the value of
/// `--url X` / `--url=X` is a URL. The first such positional stays, so a required list is
/// never missing; the other words (which may be option values) stay for ArgumentParser, and
/// where that could make the order ambiguous (two equal words) the whole command line is
/// parsed the usual way.
enum LongArgumentLists {
    /// Shorter command lines are parsed as they are.
    static let threshold = 64

    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        guard arguments.count > threshold, let (kept, aside) = split(arguments) else {
            return try DCCorpus.parseAsRoot(arguments)
        }
        let command = try DCCorpus.parseAsRoot(kept.map(\.value))
        guard let listed = command as? any LongListCommand, let filled = try filled(listed, kept: kept, aside: aside) else {
            return try DCCorpus.parseAsRoot(arguments)
        }
        return filled
    }

    /// `command` with its whole list, validated again; nil when the list's order is ambiguous.
    private static func filled<Command: LongListCommand>(
        _ command: Command, kept: [(index: Int, value: String)], aside: [(index: Int, value: String)]
    ) throws -> Command? {
        var command = command
        guard
            let merged = merge(
                parsed: command[keyPath: Command.longList], kept: kept, aside: aside, positional: Command.listIsPositional)
        else { return nil }
        command[keyPath: Command.longList] = merged
        try command.validate()
        return command
    }

    /// The arguments for ArgumentParser and those set aside, each with its place; nil when the
    /// command has no long list or nothing is set aside.
    static func split(_ arguments: [String]) -> (kept: [(index: Int, value: String)], aside: [(index: Int, value: String)])? {
        guard let name = arguments.first,
            let type = DCCorpus.configuration.subcommands.first(where: { $0._commandName == name }) as? any LongListCommand.Type
        else { return nil }
        var kept: [(index: Int, value: String)] = [(0, name)]
        var aside: [(index: Int, value: String)] = []
        var afterTerminator = false
        var keptOnePositional = false
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            defer { index += 1 }
            if type.listIsPositional {
                if afterTerminator || (!argument.hasPrefix("-") && !arguments[index - 1].hasPrefix("-")) {
                    if keptOnePositional {
                        aside.append((index, argument))
                        continue
                    }
                    keptOnePositional = true
                }
                if argument == "--" { afterTerminator = true }
                kept.append((index, argument))
            } else {
                if argument == "--" { afterTerminator = true }
                if !afterTerminator && argument == "--url" && index + 1 < arguments.count {
                    aside.append((index + 1, arguments[index + 1]))
                    index += 1
                } else if !afterTerminator && argument.hasPrefix("--url=") {
                    aside.append((index, String(argument.dropFirst("--url=".count))))
                } else {
                    kept.append((index, argument))
                }
            }
        }
        return aside.isEmpty ? nil : (kept, aside)
    }

    /// The whole list in its order: what ArgumentParser found among the kept arguments (each
    /// matched to its place), and what was set aside. Nil when a place is ambiguous.
    static func merge(
        parsed: [String], kept: [(index: Int, value: String)], aside: [(index: Int, value: String)], positional: Bool
    ) -> [String]? {
        // `--url` values were all set aside: none can be among the kept arguments.
        guard positional else { return parsed.isEmpty ? aside.map(\.value) : nil }
        let words = kept.dropFirst().filter { !$0.value.hasPrefix("-") || $0.value == "-" }
        guard Set(words.map(\.value)).count == words.count else { return nil }
        let found = Set(parsed)
        let listed = words.filter { found.contains($0.value) }
        guard listed.count == parsed.count else { return nil }
        return (listed + aside).sorted { $0.index < $1.index }.map(\.value)
    }
}
