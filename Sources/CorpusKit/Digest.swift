import Crypto
import Foundation

/// SHA-256 helpers. Files are hashed in 1 MiB chunks so memory stays flat whatever their size.
public enum Digest {
    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(Data(string.utf8))
    }

    /// Streams a file through SHA-256; returns the hex digest and the byte count.
    public static func sha256File(at url: URL) throws -> (hex: String, size: UInt64) {
        let hasher = try Streaming.file(at: url)
        return (hasher.finalizeHex(), hasher.count)
    }

    static func hashFile(at url: URL) throws -> (hasher: SHA256, size: UInt64) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CorpusError(file: url.path, stage: .read, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CorpusError(file: url.path, stage: .read, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += UInt64(count)
        }
        return (hasher, total)
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A streaming hasher for callers that see a file in pieces (the WARC checker).
    /// A value: a copy goes on from where the original stood (the open WARC file's running hash).
    /// swift-crypto's `SHA256` copies its context on write but is not marked Sendable; a
    /// `Streaming` is only ever moved between threads whole (inside a `Mutex`), never shared.
    public struct Streaming: @unchecked Sendable {
        private var hasher = SHA256()
        /// Bytes hashed so far.
        public private(set) var count: UInt64 = 0
        public init() {}
        public mutating func update<D: DataProtocol>(_ data: D) {
            hasher.update(data: data)
            count += UInt64(data.count)
        }
        public func finalizeHex() -> String { Digest.hex(hasher.finalize()) }

        /// The hash of a whole file, ready to go on with bytes appended to it.
        public static func file(at url: URL) throws -> Streaming {
            let (hasher, size) = try Digest.hashFile(at: url)
            var streaming = Streaming()
            streaming.hasher = hasher
            streaming.count = size
            return streaming
        }
    }
}

/// A WARC digest field (`algorithm:value`) as crawlers write it: `sha256:` in hex (ours,
/// Browsertrix), `sha1:` in base32 (Heritrix, wget, warcio), hex or base64; `md5:` likewise.
public struct LabelledDigest: Sendable {
    public var algorithm: String
    public var value: String

    public init?(_ field: String) {
        let parts = field.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        algorithm = parts[0].lowercased().replacingOccurrences(of: "-", with: "")
        value = String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// Whether `data` has this digest; nil when the algorithm or the encoding is not one this
    /// reads (so nothing can be said).
    public func matches<D: DataProtocol>(_ data: D) -> Bool? {
        let bytes: [UInt8]
        switch algorithm {
        case "sha256": bytes = Array(SHA256.hash(data: data))
        case "sha1": bytes = Array(Insecure.SHA1.hash(data: data))
        case "md5": bytes = Array(Insecure.MD5.hash(data: data))
        default: return nil
        }
        guard let declared = Self.decode(value, length: bytes.count) else { return nil }
        return declared == bytes
    }

    /// The digest's bytes from hex, base32 (RFC 4648) or base64 (standard or URL-safe), by length.
    static func decode(_ text: String, length: Int) -> [UInt8]? {
        if text.count == length * 2, let bytes = hex(text) { return bytes }
        if text.count == (length * 8 + 4) / 5, let bytes = base32(text.uppercased()), bytes.count == length { return bytes }
        let base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let padded = base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4)
        if let data = Data(base64Encoded: padded), data.count == length { return Array(data) }
        return nil
    }

    static func hex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let value = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func base32(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var buffer = 0
        var bits = 0
        var bytes: [UInt8] = []
        for character in text where character != "=" {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | index
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> bits) & 0xFF))
            }
        }
        return bytes
    }
}
