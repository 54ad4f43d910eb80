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
        return (hex(hasher.finalize()), total)
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
    public struct Streaming {
        private var hasher = SHA256()
        public init() {}
        public mutating func update<D: DataProtocol>(_ data: D) { hasher.update(data: data) }
        public func finalizeHex() -> String { Digest.hex(hasher.finalize()) }
    }
}
