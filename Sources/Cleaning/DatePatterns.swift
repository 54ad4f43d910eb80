/// The two date shapes the cleaner looks for in text, matched by hand as the regular
/// expressions they were would match them (leftmost match; `\d` any decimal digit, `\s` ICU's
/// white space). Compiling the first `NSRegularExpression` cost a process ICU's regex set-up,
/// a tenth of a one-page `clean`, and each match a UTF-16 view of the text.
enum DatePatterns {
    /// The first numeric date, `(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})`: "2025-04-11",
    /// "2025年4月11日", "2025/4/11". The three groups' ranges, year first.
    static func numericDate(in text: String) -> [Range<String.Index>]? {
        let scalars = text.unicodeScalars
        let indices = Array(scalars.indices) + [scalars.endIndex]
        let values = Array(scalars)
        func isDigit(_ at: Int) -> Bool { at < values.count && isDecimalDigit(values[at]) }
        func isIn(_ at: Int, _ set: [Unicode.Scalar]) -> Bool { at < values.count && set.contains(values[at]) }
        guard values.count >= 7 else { return nil }
        for start in 0...(values.count - 7) {
            guard (start..<(start + 4)).allSatisfy(isDigit), isIn(start + 4, firstSeparators) else { continue }
            let month = start + 5
            let monthEnd: Int
            if isDigit(month) && isDigit(month + 1) && isIn(month + 2, secondSeparators) {
                monthEnd = month + 2
            } else if isDigit(month) && isIn(month + 1, secondSeparators) {
                monthEnd = month + 1
            } else {
                continue
            }
            let day = monthEnd + 1
            guard isDigit(day) else { continue }
            let dayEnd = isDigit(day + 1) ? day + 2 : day + 1
            return [
                indices[start]..<indices[start + 4], indices[month]..<indices[monthEnd], indices[day]..<indices[dayEnd]
            ]
        }
        return nil
    }

    /// Whether the text holds an English date, `(January|…|December)\s+\d{1,2},\s*\d{4}`:
    /// "April 11, 2025".
    static func containsMonthDate(_ text: String) -> Bool {
        let values = Array(text.unicodeScalars)
        func isDigit(_ at: Int) -> Bool { at < values.count && isDecimalDigit(values[at]) }
        func isSpace(_ at: Int) -> Bool { at < values.count && isRegexSpace(values[at]) }
        for start in values.indices where values[start].value >= 0x41 && values[start].value <= 0x53 {
            for name in monthNames where start + name.count <= values.count {
                guard values[start..<(start + name.count)].elementsEqual(name) else { continue }
                var at = start + name.count
                guard isSpace(at) else { continue }
                while isSpace(at) { at += 1 }
                guard isDigit(at) else { continue }
                at += isDigit(at + 1) && at + 2 < values.count && values[at + 2] == "," ? 2 : 1
                guard at < values.count, values[at] == "," else { continue }
                at += 1
                while isSpace(at) { at += 1 }
                if (at..<(at + 4)).allSatisfy(isDigit) { return true }
            }
        }
        return false
    }

    private static let firstSeparators: [Unicode.Scalar] = ["-", "年", ".", "/"]
    private static let secondSeparators: [Unicode.Scalar] = ["-", "月", ".", "/"]
    private static let monthNames: [[Unicode.Scalar]] = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December"
    ].map { Array($0.unicodeScalars) }

    /// `\d`: a decimal digit of any script ("０", "٣"), as ICU reads it.
    @inline(__always) static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x30 && scalar.value <= 0x39 }
        return scalar.properties.generalCategory == .decimalNumber
    }

    /// `\s` as ICU reads it: Unicode's White_Space (tab to carriage return with the vertical
    /// tab, the space separators, U+0085 NEL, the line and paragraph separators).
    static func isRegexSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value == 0x20 || (scalar.value >= 0x09 && scalar.value <= 0x0D) }
        return scalar.properties.isWhitespace
    }
}
