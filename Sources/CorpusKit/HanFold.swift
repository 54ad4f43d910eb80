/// Traditional Chinese characters folded to their simplified forms, for matching only: the
/// lexicon's phrases are simplified, and a page reprinted in traditional characters (國務院,
/// 數字中國) says the same. Each pair maps one three-byte UTF-8 character to another, so a folded
/// text keeps every byte offset of the original. The table is OpenCC's (`HanFold+Table.swift`,
/// made by `Scripts/make-han-fold.py`).
public enum HanFold {
    /// Simplified form by code point (0 where a character is not traditional), for U+0800…U+FFFF.
    static let table: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 0x10000)
        var scalars = pairs.unicodeScalars.filter { $0 != "\n" && $0 != " " }.makeIterator()
        while let traditional = scalars.next(), let simplified = scalars.next() {
            table[Int(traditional.value)] = UInt16(simplified.value)
        }
        return table
    }()

    /// Folds, in place, every traditional character of the UTF-8 `bytes` that has a simplified form.
    public static func fold(_ bytes: inout [UInt8]) {
        // Only three-byte sequences (lead 0xE0…0xEF) can change; a text with none is left alone.
        guard bytes.contains(where: { $0 & 0xF0 == 0xE0 }) else { return }
        let table = Self.table
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                guard byte & 0xF0 == 0xE0, index + 2 < buffer.count else {
                    index += byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                    continue
                }
                let value = Int(byte & 0x0F) << 12 | Int(buffer[index + 1] & 0x3F) << 6 | Int(buffer[index + 2] & 0x3F)
                let simplified = table[value]
                if simplified >= 0x800 {
                    buffer[index] = 0xE0 | UInt8(simplified >> 12)
                    buffer[index + 1] = 0x80 | UInt8((simplified >> 6) & 0x3F)
                    buffer[index + 2] = 0x80 | UInt8(simplified & 0x3F)
                }
                index += 3
            }
        }
    }

    /// `text` with its traditional characters folded.
    public static func folded(_ text: String) -> String {
        var bytes = Array(text.utf8)
        fold(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
