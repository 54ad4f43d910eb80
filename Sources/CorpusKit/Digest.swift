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
