import Foundation

/// `Name: value` lines: the shape of WARC record headers, HTTP headers, `application/warc-fields`
/// blocks and BagIt's `bag-info.txt`. One parser for all of them, so they agree on trimming and
/// on continuation lines.
public enum HeaderFields {
    /// A line's name (before the first colon) and value (after it, without surrounding spaces
    /// and tabs); nil for a line without a colon.
    public static func split<Line: StringProtocol>(_ line: Line) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return (String(line[..<colon]), value)
    }

    /// Every field of `lines`, in order. A line that starts with a space or a tab continues the
    /// previous field's value (line folding, which WARC 1.1, HTTP/1.1 and RFC 8493 allow); empty
    /// lines are skipped; other lines without a colon go to `malformed`, which may throw (the
    /// WARC reader).
    public static func parse<Lines: Sequence>(
        _ lines: Lines, malformed: (Lines.Element) throws -> Void
    ) rethrows -> [(name: String, value: String)] where Lines.Element: StringProtocol {
        var fields: [(name: String, value: String)] = []
        for line in lines {
            guard let first = line.first else { continue }
            if first == " " || first == "\t", !fields.isEmpty {
                let continued = line.trimmingCharacters(in: .whitespaces)
                // A blank continuation adds nothing (not a trailing space).
                if continued.isEmpty { continue }
                let value = fields[fields.count - 1].value
                fields[fields.count - 1].value = value.isEmpty ? continued : value + " " + continued
                continue
            }
            guard let field = split(line) else {
                try malformed(line)
                continue
            }
            fields.append(field)
        }
        return fields
    }

    /// Every field of `lines`, skipping lines without a colon.
    public static func parse<Lines: Sequence>(_ lines: Lines) -> [(name: String, value: String)] where Lines.Element: StringProtocol {
        parse(lines, malformed: { _ in })
    }
}
