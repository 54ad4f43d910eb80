import Foundation

/// Which addresses the fetcher may connect to. A hostile page must not turn the fetcher against
/// the machine it runs on or its network: requisites, iframes, followed originals and redirects
/// never reach loopback, private, link-local (169.254.0.0/16, where cloud metadata lives), shared
/// (100.64.0.0/10), multicast, reserved or unspecified addresses. The check is made on the
/// address actually connected to, after DNS (libcurl's open-socket callback), so a name that
/// resolves to 127.0.0.1 is caught too, and so is a name that resolves differently the second time.
///
/// Two exceptions, both the user's own choice: the host and port the configuration or the
/// command line names as a source (`trustedHosts`: its pages, requisites on it, redirects back
/// to it; another port of that host is another service, not trusted), and the hosts or
/// addresses `pipeline.toml` `[fetch] allow_addresses` lists (every port).
public struct AddressPolicy: Sendable, Equatable {
    /// `host:port` (lowercased, as in URLs: `127.0.0.1:8080`, `::1:443` without brackets), as
    /// `Fetcher.authority(of:)` writes them; a bare host trusts every port of it.
    public var trustedHosts: Set<String>
    /// Addresses (`10.0.0.5`, `::1`) and host names the configuration allows.
    public var allowed: Set<String>

    public init(trustedHosts: Set<String> = [], allowed: Set<String> = []) {
        self.trustedHosts = Set(trustedHosts.map(Self.normalized))
        self.allowed = Set(allowed.map(Self.normalized))
    }

    /// Every address is allowed (the fetcher's unit tests of other behaviour).
    public static let unrestricted = AddressPolicy(trustedHosts: ["*"])

    static func normalized(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// The range that keeps `address` (for a URL on `host`, port `port`) out of reach, or nil
    /// when it is allowed.
    public func refusal(host: String, port: Int? = nil, address: IPAddress) -> String? {
        guard let range = address.internalRange else { return nil }
        let host = Self.normalized(host)
        let authority = port.map { "\(host):\($0)" }
        if trustedHosts.contains("*") || trustedHosts.contains(host) || authority.map(trustedHosts.contains) == true
            || allowed.contains(host) || allowed.contains(address.text)
        {
            return nil
        }
        return range
    }

    /// The one-line reason for a transfer whose every address was refused.
    public static func reason(host: String, refused: [(address: IPAddress, range: String)]) -> String {
        let list = refused.map { "\($0.address.text) (\($0.range))" }.joined(separator: ", ")
        return "refused to connect to \(list) for \(normalized(host)): only a configured source's own host, "
            + "or a host or address pipeline.toml [fetch] allow_addresses names, may be on a loopback, private or link-local address"
    }
}

/// An IPv4 or IPv6 address as bytes, and which special-purpose range (RFC 6890) holds it.
public struct IPAddress: Sendable, Equatable {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted IPv4 or textual IPv6 (`inet_pton`).
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return ok
            ? String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self) : bytes.map(String.init).joined(separator: ".")
    }

    /// The name of the non-public range this address is in, or nil for a public address.
    public var internalRange: String? {
        if bytes.count == 4 { return Self.v4Range(bytes[0], bytes[1], bytes[2], bytes[3]) }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback" }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d):
        // judged by the IPv4 address inside.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
            return Self.v4Range(b[12], b[13], b[14], b[15]).map { "\($0), IPv4 inside IPv6" }
        }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b
            && (b[4..<12].allSatisfy({ $0 == 0 }) || (b[4] == 0 && b[5] == 1))  // 64:ff9b::/96 and the local 64:ff9b:1::/48
        {
            return Self.v4Range(b[12], b[13], b[14], b[15]).map { "\($0), IPv4 inside NAT64" }
        }
        // SIIT (::ffff:0:a.b.c.d) and 6to4 (2002:aabb:ccdd::/48) carry an IPv4 address too.
        if b[0..<8].allSatisfy({ $0 == 0 }) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0 {
            return Self.v4Range(b[12], b[13], b[14], b[15]).map { "\($0), IPv4 inside SIIT" }
        }
        if b[0] == 0x20 && b[1] == 0x02 {
            return Self.v4Range(b[2], b[3], b[4], b[5]).map { "\($0), IPv4 inside 6to4" }
        }
        if b[0] & 0xfe == 0xfc { return "unique local" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "link-local" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return "site-local" }
        if b[0] == 0xff { return "multicast" }
        return nil
    }

    static func v4Range(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> String? {
        switch (a, b) {
        case (0, _): return "unspecified"
        case (10, _), (172, 16...31), (192, 168): return "private"
        case (100, 64...127): return "shared address space"
        case (127, _): return "loopback"
        case (169, 254): return "link-local"
        case (192, 0) where c == 0: return "IETF protocol assignments"
        case (192, 0) where c == 2, (198, 51) where c == 100, (203, 0) where c == 113: return "documentation"
        case (198, 18...19): return "benchmarking"
        case (224...239, _): return "multicast"
        case (240...255, _): return "reserved"
        default: return nil
        }
    }
}
