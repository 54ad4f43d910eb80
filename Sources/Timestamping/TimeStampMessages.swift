// RFC 3161 time-stamp client, part 1: hash choice, errors, TimeStampReq (DER), TimeStampResp parsing.
// Depends on SwiftASN1 (swift-asn1), X509 (swift-certificates) and Crypto (swift-crypto).
import Crypto
import Foundation
import SwiftASN1

public enum TimestampHash: Sendable, Hashable {
    case sha1, sha256, sha384, sha512  // sha1 is only accepted when verifying a TSA's signer digest

    public var oid: ASN1ObjectIdentifier {
        switch self {
        case .sha1: return [1, 3, 14, 3, 2, 26]
        case .sha256: return [2, 16, 840, 1, 101, 3, 4, 2, 1]
        case .sha384: return [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case .sha512: return [2, 16, 840, 1, 101, 3, 4, 2, 3]
        }
    }
    init?(oid: ASN1ObjectIdentifier) {
        guard let h = [.sha1, .sha256, .sha384, .sha512].first(where: { (h: TimestampHash) in h.oid == oid }) else { return nil }
        self = h
    }
    public func digest<D: DataProtocol>(_ data: D) -> [UInt8] {
        switch self {
        case .sha1: return Array(Insecure.SHA1.hash(data: data))
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha384: return Array(SHA384.hash(data: data))
        case .sha512: return Array(SHA512.hash(data: data))
        }
    }
}

public enum TimestampError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case rejected(status: Int, text: [String], failInfo: [String])
    case missingToken
    case unexpectedContentType(String)
    case imprintMismatch
    case nonceMismatch
    case policyMismatch(String)
    case contentDigestMismatch
    case signerCertificateNotFound
    case signingCertificateAttributeMismatch
    case unsupportedAlgorithm(String)
    case badSignature
    case untrustedSigner([String])

    public var description: String {
        switch self {
        case .malformed(let s): return "malformed time-stamp data: \(s)"
        case .rejected(let st, let text, let fi):
            return "TSA rejected the request: status \(st) \(text.joined(separator: "; ")) failInfo=\(fi)"
        case .missingToken: return "response granted but carries no timeStampToken"
        case .unexpectedContentType(let s): return "unexpected content type \(s)"
        case .imprintMismatch: return "token's messageImprint does not match the requested hash (token for other data)"
        case .nonceMismatch: return "token's nonce does not match the request"
        case .policyMismatch(let p): return "token policy \(p) is not the requested reqPolicy"
        case .contentDigestMismatch: return "signedAttrs messageDigest does not match the TSTInfo (content altered)"
        case .signerCertificateNotFound: return "signer certificate not found in token or supplied certificates"
        case .signingCertificateAttributeMismatch: return "ESS signingCertificate(V2) missing or does not match signer certificate"
        case .unsupportedAlgorithm(let s): return "unsupported algorithm \(s)"
        case .badSignature: return "signature over signedAttrs does not verify with the signer's public key"
        case .untrustedSigner(let r): return "TSA certificate not trusted at genTime: \(r.joined(separator: " | "))"
        }
    }
}

// MARK: - Request

public struct TimeStampRequest: Sendable, Equatable {
    public var hash: TimestampHash
    public var hashedMessage: [UInt8]
    public var nonce: [UInt8]?  // big-endian positive INTEGER, minimal encoding
    public var certReq: Bool
    public var policy: ASN1ObjectIdentifier?
    /// openssl accepts both; most clients send NULL parameters for SHA-2 (as `openssl ts -query` does).
    public var nullHashParameters: Bool

    public init(
        digest: [UInt8], hash: TimestampHash = .sha256, certReq: Bool = true,
        policy: ASN1ObjectIdentifier? = nil, nullHashParameters: Bool = true
    ) {
        self.hash = hash
        self.hashedMessage = digest
        var n = (0..<16).map { _ in UInt8.random(in: 0...255) }
        n[0] = UInt8.random(in: 1...0x7F)  // positive, no leading zero: round-trips byte-exactly
        self.nonce = n
        self.certReq = certReq
        self.policy = policy
        self.nullHashParameters = nullHashParameters
    }

    public init<D: DataProtocol>(hashing data: D, hash: TimestampHash = .sha256, certReq: Bool = true) {
        self.init(digest: hash.digest(data), hash: hash, certReq: certReq)
    }

    /// DER TimeStampReq ::= SEQUENCE { version 1, messageImprint, reqPolicy?, nonce?, certReq DEFAULT FALSE }
    public func derEncoded() throws -> [UInt8] {
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(1)
            try s.appendConstructedNode(identifier: .sequence) { s in  // MessageImprint
                try s.appendConstructedNode(identifier: .sequence) { s in  // AlgorithmIdentifier
                    try s.serialize(hash.oid)
                    if nullHashParameters { try s.serialize(ASN1Null()) }
                }
                try s.serialize(ASN1OctetString(contentBytes: hashedMessage[...]))
            }
            if let policy { try s.serialize(policy) }
            if let nonce { try s.serialize(nonce[...]) }
            if certReq { try s.serialize(true) }  // DER: DEFAULT FALSE is omitted
        }
        return s.serializedBytes
    }

    /// Re-reads a TimeStampReq (e.g. one stored next to its response).
    public init(derEncoded bytes: [UInt8]) throws {
        self = try DER.sequence(DER.parse(bytes), identifier: .sequence) { nodes in
            guard try Int(derEncoded: &nodes) == 1 else { throw TimestampError.malformed("request version") }
            let (hash, digest) = try parseImprint(nodes.next())
            var req = TimeStampRequest(digest: digest, hash: hash, certReq: false)
            req.nonce = nil
            while let n = nodes.next() {
                switch n.identifier {
                case .objectIdentifier: req.policy = try ASN1ObjectIdentifier(derEncoded: n)
                case .integer: req.nonce = Array(try ArraySlice<UInt8>(derEncoded: n))
                case .boolean: req.certReq = try Bool(derEncoded: n)
                default: break
                }
            }
            return req
        }
    }
}

// MARK: - Response

public struct TimeStampResponse: Sendable {
    public var status: Int  // 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4/5 revocation
    public var statusText: [String]
    public var failInfo: [String]
    public var token: [UInt8]?  // DER ContentInfo (SignedData) = TimeStampToken

    static let failBits = [
        0: "badAlg", 2: "badRequest", 5: "badDataFormat", 14: "timeNotAvailable",
        15: "unacceptedPolicy", 16: "unacceptedExtension", 17: "addInfoNotAvailable",
        25: "systemFailure"
    ]

    /// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
    public init(derEncoded bytes: [UInt8]) throws {
        do {
            self = try DER.sequence(DER.parse(bytes), identifier: .sequence) { nodes in
                guard let info = nodes.next() else { throw TimestampError.malformed("PKIStatusInfo") }
                var r = try DER.sequence(info, identifier: .sequence) { it -> TimeStampResponse in
                    var st = TimeStampResponse(status: try Int(derEncoded: &it), statusText: [], failInfo: [], token: nil)
                    while let n = it.next() {
                        if n.identifier == .sequence {  // PKIFreeText ::= SEQUENCE OF UTF8String
                            st.statusText = try DER.sequence(of: ASN1UTF8String.self, identifier: .sequence, rootNode: n)
                                .map { String($0) }
                        } else if n.identifier == .bitString {  // PKIFailureInfo
                            let bits = try ASN1BitString(derEncoded: n).bytes
                            st.failInfo = Self.failBits.keys.sorted().filter { b in
                                b / 8 < bits.count && bits[bits.startIndex + b / 8] & (0x80 >> UInt8(b % 8)) != 0
                            }.map { Self.failBits[$0]! }
                        }
                    }
                    return st
                }
                r.token = nodes.next().map { Array($0.encodedBytes) }
                return r
            }
        } catch let e as TimestampError { throw e } catch { throw TimestampError.malformed("TimeStampResp: \(error)") }
    }

    init(status: Int, statusText: [String], failInfo: [String], token: [UInt8]?) {
        (self.status, self.statusText, self.failInfo, self.token) = (status, statusText, failInfo, token)
    }
}
