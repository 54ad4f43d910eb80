import Foundation

extension CaptureDigestIndex {
    /// Reads exactly the JSON that `write` produces: no spaces, strings without escapes,
    /// integers. Nil for anything else (the caller then decodes it as any JSON).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> CaptureDigestIndex? {
        var reader = Reader(bytes: bytes)
        var index = CaptureDigestIndex()
        guard reader.take("{\"version\":"), let version = reader.integer() else { return nil }
        index.version = Int(version)
        guard reader.take(",") else { return nil }
        if reader.take("\"cdxj\":{\"inode\":") {
            guard let inode = reader.integer(), reader.take(",\"size\":"), let size = reader.integer(),
                reader.take(",\"modified\":"), let modified = reader.integer(), reader.take("},"), inode >= 0
            else { return nil }
            index.cdxj = FileStamp(inode: UInt64(inode), size: size, modified: modified)
        }
        guard reader.take("\"files\":{") else { return nil }
        var firstFile = true
        while !reader.take("}") {
            guard firstFile || reader.take(","), let path = reader.string(), reader.take(":{\"size\":"),
                let size = reader.integer(), reader.take(",\"digests\":{")
            else { return nil }
            firstFile = false
            guard let digests = reader.members({ $0.string() }), reader.take(",\"locations\":{"),
                let locations = reader.members({ $0.integer() })
            else { return nil }
            let file = File(size: size, digests: digests, locations: locations)
            guard reader.take("}") else { return nil }
            index.files[path] = file
        }
        guard reader.take("}"), reader.atEnd else { return nil }
        return index
    }

    /// A cursor over the bytes; a read that fails ends the parse (nil).
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        /// An object's members up to its closing brace (its opening one already taken), each
        /// value read by `value`.
        mutating func members<Value>(_ value: (inout Reader) -> Value?) -> [String: Value]? {
            var members: [String: Value] = [:]
            var first = true
            while !take("}") {
                guard first || take(","), let key = string(), take(":"), let member = value(&self) else { return nil }
                first = false
                members[key] = member
            }
            return members
        }

        mutating func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count,
                memcmp(bytes.baseAddress! + offset, literal.utf8Start, count) == 0
            else { return false }
            offset += count
            return true
        }

        /// A quoted string without escapes or control characters.
        mutating func string() -> String? {
            guard offset < bytes.count, bytes[offset] == 0x22 else { return nil }
            var end = offset + 1
            while end < bytes.count, bytes[end] != 0x22 {
                if bytes[end] == 0x5C || bytes[end] < 0x20 { return nil }
                end += 1
            }
            guard end < bytes.count else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 1)..<end]), as: UTF8.self)
            offset = end + 1
            return text
        }

        /// A decimal integer (optionally negative) that fits in 64 bits.
        mutating func integer() -> Int64? {
            var end = offset
            let negative = end < bytes.count && bytes[end] == 0x2D
            if negative { end += 1 }
            var value: Int64 = 0
            let digits = end
            while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 {
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int64(bytes[end] - 0x30))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                end += 1
            }
            guard end > digits else { return nil }
            offset = end
            return negative ? -value : value
        }
    }
}
