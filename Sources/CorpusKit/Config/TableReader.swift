import Foundation

/// Reads one TOML table and remembers which keys it used, so an unknown (misspelt) key is an
/// error naming the file and the key instead of being silently ignored.
struct TableReader {
    let file: String
    let path: String
    let members: [String: JSONValue]
    private var used = Set<String>()

    init(file: String, path: String, value: JSONValue?) throws {
        self.file = file
        self.path = path
        switch value {
        case .object(let members)?: self.members = members
        case nil: self.members = [:]
        default: throw CorpusError(file: file, stage: .config, reason: "\(path) must be a table")
        }
    }

    private func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
    private func wrong(_ name: String, _ expected: String) -> CorpusError {
        CorpusError(file: file, stage: .config, reason: "\(key(name)) must be \(expected)")
    }

    mutating func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .int(let number) = value else { throw wrong(name, "an integer") }
        guard range.contains(Int(number)) else { throw wrong(name, "between \(range.lowerBound) and \(range.upperBound)") }
        return Int(number)
    }

    mutating func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        used.insert(name)
        let number: Double
        switch members[name] {
        case nil: return fallback
        case .int(let value)?: number = Double(value)
        case .double(let value)?: number = value
        default: throw wrong(name, "a number")
        }
        guard range.contains(number) else { throw wrong(name, "between \(range.lowerBound) and \(range.upperBound)") }
        return number
    }

    mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .bool(let flag) = value else { throw wrong(name, "true or false") }
        return flag
    }

    mutating func string(_ name: String, default fallback: String?) throws -> String {
        used.insert(name)
        switch members[name] {
        case nil:
            if let fallback { return fallback }
            throw CorpusError(file: file, stage: .config, reason: "\(key(name)) is required")
        case .string(let value)?: return value
        default: throw wrong(name, "a string")
        }
    }

    mutating func strings(_ name: String, default fallback: [String] = []) throws -> [String] {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .array(let items) = value else { throw wrong(name, "an array of strings") }
        return try items.map {
            guard case .string(let text) = $0 else { throw wrong(name, "an array of strings") }
            return text
        }
    }

    mutating func table(_ name: String) throws -> TableReader {
        used.insert(name)
        return try TableReader(file: file, path: key(name), value: members[name])
    }

    mutating func tables(_ name: String) throws -> [TableReader] {
        used.insert(name)
        guard let value = members[name] else { return [] }
        guard case .array(let items) = value else { throw wrong(name, "an array of tables ([[\(key(name))]])") }
        return try items.enumerated().map { try TableReader(file: file, path: "\(key(name))[\($0.offset)]", value: $0.element) }
    }

    /// Fails on the first key that nothing asked for.
    func finish() throws {
        if let unknown = members.keys.sorted().first(where: { !used.contains($0) }) {
            throw CorpusError(file: file, stage: .config, reason: "unknown key \(key(unknown))")
        }
    }
}
