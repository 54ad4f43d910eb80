import Foundation

/// Checks toml++ (inside TOMLKit) relies on without making them itself: it aborts the process
/// (an assertion; undefined behaviour in release builds) on a table header that does not start
/// with a key (`[中]`, `[#`), an array that meets a brace (`[}`) or a date-time without a time
/// (`1979-05-27T:`). TOML allows non-ASCII characters only inside strings and comments,
/// so those are refused too. A small lexer: the four string forms, escapes, comments, brackets.
enum TOMLLexicalCheck {
    struct Problem: Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    static func firstProblem(_ text: String) -> Problem? {
        enum State { case code, comment, basic, literal, multiBasic, multiLiteral }
        let scalars = Array(text.unicodeScalars)
        var state = State.code
        var line = 1
        var column = 0
        var index = 0
        var open: [Unicode.Scalar] = []  // brackets and braces open inside a value
        var atLineStart = true  // only blanks so far on this line
        var inValue = false  // after the `=` of a key-value pair
        func isDate(_ slice: ArraySlice<Unicode.Scalar>) -> Bool {
            slice.enumerated().allSatisfy { offset, scalar in
                offset == 4 || offset == 7 ? scalar == "-" : ("0"..."9").contains(scalar)
            }
        }
        func starts(_ literal: String, at position: Int) -> Bool {
            var offset = position
            for scalar in literal.unicodeScalars {
                guard offset < scalars.count, scalars[offset] == scalar else { return false }
                offset += 1
            }
            return true
        }
        func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || scalar == "_" || scalar == "-" || scalar == "\"" || scalar == "'" || scalar == "]"
        }
        while index < scalars.count {
            let scalar = scalars[index]
            column += 1
            if scalar == "\n" {
                line += 1
                column = 0
                atLineStart = true
                if open.isEmpty && state != .multiBasic && state != .multiLiteral { inValue = false }
                if state == .comment || state == .basic || state == .literal { state = .code }
                index += 1
                continue
            }
            switch state {
            case .code:
                if !scalar.isASCII {
                    return Problem(
                        line: line, column: column,
                        reason: "a character outside a quoted string or comment that TOML does not allow in keys (quote the key)")
                }
                let wasLineStart = atLineStart
                if scalar != " " && scalar != "\t" && scalar != "\r" { atLineStart = false }
                if scalar == "[" && wasLineStart && open.isEmpty {
                    // A table header: `[` or `[[`, blanks, then a key.
                    var next = index + 1
                    if next < scalars.count, scalars[next] == "[" { next += 1 }
                    while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
                    if next < scalars.count, !isKeyStart(scalars[next]) {
                        return Problem(line: line, column: column + next - index, reason: "a table header must start with a key")
                    }
                    column += next - index - 1
                    index = next
                    continue
                }
                if scalar == "=" { inValue = true }
                // toml++ asserts on a date followed by T and no time (`1979-05-27T:`).
                if inValue, scalar == "T" || scalar == "t", index >= 10, index + 1 < scalars.count,
                    !("0"..."9").contains(scalars[index + 1]), isDate(scalars[(index - 10)..<index])
                {
                    return Problem(line: line, column: column, reason: "a date-time needs a time after 'T'")
                }
                if scalar == "#" {
                    state = .comment
                } else if starts("\"\"\"", at: index) {
                    state = .multiBasic
                    index += 2
                    column += 2
                } else if starts("'''", at: index) {
                    state = .multiLiteral
                    index += 2
                    column += 2
                } else if scalar == "\"" {
                    state = .basic
                } else if scalar == "'" {
                    state = .literal
                } else if scalar == "[" || scalar == "{" {
                    open.append(scalar)
                } else if scalar == "]" || scalar == "}" {
                    // toml++ asserts on `[}`; a closing bracket must match the one it closes.
                    if let last = open.popLast(), (last == "[") != (scalar == "]") {
                        return Problem(line: line, column: column, reason: "'\(scalar)' does not close the '\(last)' before it")
                    }
                }
            case .comment:
                break
            case .basic, .multiBasic:
                if scalar == "\\" {
                    // The escaped character is never a delimiter (a line-ending backslash keeps its newline).
                    if index + 1 < scalars.count, scalars[index + 1] != "\n" {
                        index += 1
                        column += 1
                    }
                } else if state == .multiBasic, starts("\"\"\"", at: index) {
                    // A closing delimiter may be followed by up to two more quotes that belong to the string.
                    var end = index + 3
                    while end < scalars.count, scalars[end] == "\"", end < index + 5 { end += 1 }
                    column += end - index - 1
                    index = end
                    state = .code
                    continue
                } else if state == .basic, scalar == "\"" {
                    state = .code
                }
            case .literal:
                if scalar == "'" { state = .code }
            case .multiLiteral:
                if starts("'''", at: index) {
                    var end = index + 3
                    while end < scalars.count, scalars[end] == "'", end < index + 5 { end += 1 }
                    column += end - index - 1
                    index = end
                    state = .code
                    continue
                }
            }
            index += 1
        }
        return nil
    }
}
