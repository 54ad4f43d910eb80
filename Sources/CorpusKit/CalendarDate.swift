import Foundation

/// Dates in records: `YYYY-MM-DD` of a day that exists. Every place that reads a date from a
/// page goes through here, so "2022-11-72" (found by fuzzing the classifier) never becomes a
/// record's `published`.
public enum CalendarDate {
    public static func string(year: Int, month: Int, day: Int) -> String? {
        guard (1000...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// True for exactly `YYYY-MM-DD` naming a real day.
    public static func isValid(_ text: String) -> Bool {
        parse(text) != nil
    }

    /// The date at the start of an ISO 8601 stamp ("2025-04-11T09:00:00+08:00" → "2025-04-11").
    public static func prefix(of stamp: String) -> String? {
        parse(String(stamp.trimmingCharacters(in: .whitespaces).prefix(10)))
    }

    static func parse(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return string(year: year, month: month, day: day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
