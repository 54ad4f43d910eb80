// RFC 3161 time-stamp client, part 2: token verification (CMS SignedData parsed with SwiftASN1).
// swift-certificates' CMS types are internal (not even @_spi), and its SPI `CMS.isValidSignature`
// rejects eContentType id-ct-TSTInfo, so only Certificate, Verifier and the public
// `Certificate.PublicKey.isValidSignature(_:for:signatureAlgorithm:)` are used from X509.
import Crypto
import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509  // RFC5280Policy(fixedExpiryValidationTime:)

// MARK: - Verification

public struct VerifiedTimestamp: Sendable {
    public var genTime: Date
    public var serialNumber: [UInt8]
    public var policy: ASN1ObjectIdentifier
    public var signer: Certificate
    public var token: [UInt8]
}

/// RFC 3161 §2.3: the TSA certificate must carry exactly one EKU, id-kp-timeStamping, marked critical.
public struct TimeStampingEKUPolicy: VerifierPolicy {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]
    public init() {}
    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        guard let ext = chain.leaf.extensions[oid: .X509ExtensionID.extendedKeyUsage], ext.critical,
            let eku = try? ExtendedKeyUsage(ext), Array(eku) == [.timeStamping]
        else { return .failsToMeetPolicy(reason: "TSA certificate lacks a critical EKU of only id-kp-timeStamping") }
        return .meetsPolicy
    }
}

public enum RFC3161 {
    static let idSignedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    static let idTSTInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
    static let attrContentType: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    static let attrMessageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    static let attrSigningCert: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 12]
    static let attrSigningCertV2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]

    /// Checks status, then verifies the token against `request` (imprint + nonce) and `trustRoots`.
    public static func verifyResponse(
        _ der: [UInt8], for request: TimeStampRequest, trustRoots: [Certificate],
        additionalCertificates: [Certificate] = []
    ) async throws -> VerifiedTimestamp {
        let resp = try TimeStampResponse(derEncoded: der)
        guard resp.status == 0 || resp.status == 1 else {
            throw TimestampError.rejected(status: resp.status, text: resp.statusText, failInfo: resp.failInfo)
        }
        guard let token = resp.token else { throw TimestampError.missingToken }
        let v = try await verifyToken(
            token, hash: request.hash, hashedMessage: request.hashedMessage, nonce: request.nonce,
            trustRoots: trustRoots, additionalCertificates: additionalCertificates)
        if let wanted = request.policy, v.policy != wanted { throw TimestampError.policyMismatch("\(v.policy)") }
        return v
    }

    /// Verifies a DER TimeStampToken (CMS ContentInfo/SignedData with eContentType id-ct-TSTInfo).
    public static func verifyToken(
        _ token: [UInt8], hash: TimestampHash, hashedMessage: [UInt8], nonce: [UInt8]?,
        trustRoots: [Certificate], additionalCertificates: [Certificate] = []
    ) async throws -> VerifiedTimestamp {
        let p: ParsedToken
        do { p = try ParsedToken(token) } catch let e as TimestampError { throw e } catch {
            throw TimestampError.malformed("\(error)")
        }
        // 1. TSTInfo content: imprint, nonce
        guard p.imprintHash == hash, p.imprintDigest == hashedMessage else { throw TimestampError.imprintMismatch }
        if let nonce, p.nonce != nonce { throw TimestampError.nonceMismatch }
        // 2. signedAttrs: contentType and messageDigest over the eContent octets (TSTInfo DER)
        guard let digestAlg = TimestampHash(oid: p.digestAlgorithm) else {
            throw TimestampError.unsupportedAlgorithm("digest \(p.digestAlgorithm)")
        }
        guard p.attributes[attrContentType].map({ (try? ASN1ObjectIdentifier(derEncoded: $0)) == idTSTInfo }) == true
        else { throw TimestampError.unexpectedContentType("signedAttrs contentType") }
        guard let md = p.attributes[attrMessageDigest],
            try ASN1OctetString(derEncoded: md).bytes.elementsEqual(digestAlg.digest(p.tstInfoDER))
        else { throw TimestampError.contentDigestMismatch }
        // 3. signer certificate (issuerAndSerialNumber or subjectKeyIdentifier) and ESS binding
        let pool =
            p.certificates
            + (try additionalCertificates.map { c -> ([UInt8], Certificate) in
                var s = DER.Serializer()
                try s.serialize(c)
                return (s.serializedBytes, c)
            })
        guard let (signerDER, signer) = pool.first(where: { p.signerMatches($0.1) }) else {
            throw TimestampError.signerCertificateNotFound
        }
        try checkESS(p.attributes, signerDER: signerDER)
        // 4. signature over DER(SET OF signedAttrs): the [0] IMPLICIT tag byte re-tagged to 0x31
        let sigAlg = try signatureAlgorithm(p.signatureAlgorithm, digest: digestAlg)
        var signedBytes = p.signedAttrsDER
        signedBytes[0] = 0x31
        guard signer.publicKey.isValidSignature(p.signature, for: signedBytes, signatureAlgorithm: sigAlg) else {
            throw TimestampError.badSignature
        }
        // 5. chain to trust roots at genTime, with timeStamping EKU
        var verifier = Verifier(rootCertificates: CertificateStore(trustRoots)) {
            RFC5280Policy(fixedExpiryValidationTime: p.genTime)
            TimeStampingEKUPolicy()
        }
        var diags: [String] = []
        let result = await verifier.validate(leaf: signer, intermediates: CertificateStore(pool.map(\.1))) {
            diags.append($0.description)
        }
        if case .couldNotValidate(let failures) = result {
            let reasons = failures.map { $0.policyFailureReason.description }
            throw TimestampError.untrustedSigner(reasons.isEmpty ? ["no chain to a trusted root"] + diags.suffix(1) : reasons)
        }
        return VerifiedTimestamp(genTime: p.genTime, serialNumber: p.serial, policy: p.policy, signer: signer, token: token)
    }

    static func checkESS(_ attrs: [ASN1ObjectIdentifier: ASN1Node], signerDER: [UInt8]) throws {
        // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
        // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash OCTET STRING, ... }
        // ESSCertID (v1) ::= SEQUENCE { certHash OCTET STRING (SHA-1), ... }
        let (node, v2) = attrs[attrSigningCertV2].map { ($0, true) } ?? (attrs[attrSigningCert], false)
        guard let node else { throw TimestampError.signingCertificateAttributeMismatch }
        let ok = try DER.sequence(node, identifier: .sequence) { outer -> Bool in
            defer { drain(&outer) }  // policies
            guard let certs = outer.next() else { return false }
            return try DER.sequence(certs, identifier: .sequence) { ids -> Bool in
                defer { drain(&ids) }
                guard let first = ids.next() else { return false }
                return try DER.sequence(first, identifier: .sequence) { f -> Bool in
                    var hash = TimestampHash.sha1
                    var n = f.next()
                    if v2 {
                        hash = .sha256
                        if let alg = n, alg.identifier == .sequence {
                            let (oid, _) = try parseAlgorithm(alg)
                            guard let h = TimestampHash(oid: oid) else { throw TimestampError.unsupportedAlgorithm("ESS \(oid)") }
                            hash = h
                            n = f.next()
                        }
                    }
                    guard let n else { return false }
                    defer { drain(&f) }
                    return try ASN1OctetString(derEncoded: n).bytes.elementsEqual(hash.digest(signerDER))
                }
            }
        }
        if !ok { throw TimestampError.signingCertificateAttributeMismatch }
    }

    /// Maps SignerInfo.signatureAlgorithm (+ digestAlgorithm, since openssl writes plain rsaEncryption) to X509's type.
    static func signatureAlgorithm(_ oid: ASN1ObjectIdentifier, digest: TimestampHash) throws -> Certificate.SignatureAlgorithm {
        let rsaByDigest: [TimestampHash: Certificate.SignatureAlgorithm] = [
            .sha1: .sha1WithRSAEncryption, .sha256: .sha256WithRSAEncryption,
            .sha384: .sha384WithRSAEncryption, .sha512: .sha512WithRSAEncryption
        ]
        let ecByDigest: [TimestampHash: Certificate.SignatureAlgorithm] = [
            .sha256: .ecdsaWithSHA256, .sha384: .ecdsaWithSHA384, .sha512: .ecdsaWithSHA512
        ]
        let table: [ASN1ObjectIdentifier: Certificate.SignatureAlgorithm?] = [
            [1, 2, 840, 113549, 1, 1, 1]: rsaByDigest[digest],  // rsaEncryption
            [1, 2, 840, 113549, 1, 1, 5]: .sha1WithRSAEncryption,
            [1, 2, 840, 113549, 1, 1, 11]: .sha256WithRSAEncryption,
            [1, 2, 840, 113549, 1, 1, 12]: .sha384WithRSAEncryption,
            [1, 2, 840, 113549, 1, 1, 13]: .sha512WithRSAEncryption,
            [1, 2, 840, 10045, 2, 1]: ecByDigest[digest],  // id-ecPublicKey
            [1, 2, 840, 10045, 4, 3, 2]: .ecdsaWithSHA256,
            [1, 2, 840, 10045, 4, 3, 3]: .ecdsaWithSHA384,
            [1, 2, 840, 10045, 4, 3, 4]: .ecdsaWithSHA512,
            [1, 3, 101, 112]: .ed25519
        ]
        guard let alg = table[oid] ?? nil else { throw TimestampError.unsupportedAlgorithm("signature \(oid)") }
        return alg
    }
}

// MARK: - CMS / TSTInfo parsing (SwiftASN1 only)

extension ASN1NodeCollection.Iterator {
    mutating func need(_ what: String) throws -> ASN1Node {
        guard let n = next() else { throw TimestampError.malformed("missing \(what)") }
        return n
    }
}

/// Skips the remaining (unused, optional) elements so DER.sequence does not reject them.
func drain(_ it: inout ASN1NodeCollection.Iterator) { while it.next() != nil {} }

func parseAlgorithm(_ node: ASN1Node) throws -> (ASN1ObjectIdentifier, ASN1Node?) {
    try DER.sequence(node, identifier: .sequence) { n in (try ASN1ObjectIdentifier(derEncoded: &n), n.next()) }
}

/// MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
func parseImprint(_ node: ASN1Node?) throws -> (TimestampHash, [UInt8]) {
    guard let node else { throw TimestampError.malformed("missing messageImprint") }
    return try DER.sequence(node, identifier: .sequence) { n in
        guard let alg = n.next() else { throw TimestampError.malformed("messageImprint") }
        let (oid, params) = try parseAlgorithm(alg)
        guard params == nil || params?.identifier == .null, let h = TimestampHash(oid: oid) else {
            throw TimestampError.unsupportedAlgorithm("messageImprint \(oid)")
        }
        return (h, Array(try ASN1OctetString(derEncoded: &n).bytes))
    }
}

struct ParsedToken {
    var certificates: [([UInt8], Certificate)] = []
    var sidIssuer: DistinguishedName?, sidSerial: Certificate.SerialNumber?, sidKeyID: ArraySlice<UInt8>?
    var digestAlgorithm: ASN1ObjectIdentifier = [0, 0]
    var signedAttrsDER: [UInt8] = []
    var attributes: [ASN1ObjectIdentifier: ASN1Node] = [:]  // first value of each attribute
    var signatureAlgorithm: ASN1ObjectIdentifier = [0, 0]
    var signature: [UInt8] = []
    var tstInfoDER: [UInt8] = []
    var policy: ASN1ObjectIdentifier = [0, 0]
    var imprintHash = TimestampHash.sha256, imprintDigest: [UInt8] = []
    var serial: [UInt8] = [], nonce: [UInt8]?
    var genTime = Date(timeIntervalSince1970: 0)

    func signerMatches(_ c: Certificate) -> Bool {
        if let sidKeyID { return (try? c.extensions.subjectKeyIdentifier)??.keyIdentifier == sidKeyID }
        return c.issuer == sidIssuer && c.serialNumber == sidSerial
    }

    init(_ der: [UInt8]) throws {
        // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
        let signedData = try DER.sequence(DER.parse(der), identifier: .sequence) { n -> ASN1Node in
            let type = try ASN1ObjectIdentifier(derEncoded: &n)
            guard type == RFC3161.idSignedData else { throw TimestampError.unexpectedContentType("\(type)") }
            return try DER.explicitlyTagged(&n, tagNumber: 0, tagClass: .contextSpecific) { $0 }
        }
        var signerInfo: ASN1Node?
        try DER.sequence(signedData, identifier: .sequence) { n in
            _ = try Int(derEncoded: &n)  // version (3 for TSTInfo)
            _ = n.next()  // digestAlgorithms
            let (eType, eContent) = try DER.sequence(n.need("encapContentInfo"), identifier: .sequence) { e in
                (
                    try ASN1ObjectIdentifier(derEncoded: &e),
                    try DER.explicitlyTagged(&e, tagNumber: 0, tagClass: .contextSpecific) { try ASN1OctetString(derEncoded: $0) }
                )
            }
            guard eType == RFC3161.idTSTInfo else { throw TimestampError.unexpectedContentType("eContentType \(eType)") }
            tstInfoDER = Array(eContent.bytes)
            while let node = n.next() {
                if node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
                    case .constructed(let certs) = node.content
                {
                    for c in certs where c.identifier == .sequence {  // skip other CertificateChoices
                        certificates.append((Array(c.encodedBytes), try Certificate(derEncoded: c)))
                    }
                } else if node.identifier == .set, case .constructed(let infos) = node.content {
                    var it = infos.makeIterator()
                    signerInfo = it.next()
                    guard signerInfo != nil, it.next() == nil else { throw TimestampError.malformed("need exactly one SignerInfo") }
                }  // [1] crls ignored
            }
        }
        guard let signerInfo else { throw TimestampError.malformed("no SignerInfo") }
        try parseSignerInfo(signerInfo)
        try parseTSTInfo()
    }

    mutating func parseSignerInfo(_ node: ASN1Node) throws {
        try DER.sequence(node, identifier: .sequence) { n in
            _ = try Int(derEncoded: &n)
            guard let sid = n.next() else { throw TimestampError.malformed("sid") }
            if sid.identifier == .sequence {  // IssuerAndSerialNumber
                try DER.sequence(sid, identifier: .sequence) { s in
                    let dn: (ASN1Node) throws -> DistinguishedName = DistinguishedName.init(derEncoded:)  // non-deprecated overload
                    sidIssuer = try dn(s.need("issuer"))
                    sidSerial = Certificate.SerialNumber(bytes: try ArraySlice<UInt8>(derEncoded: &s))
                }
            } else {  // [0] IMPLICIT SubjectKeyIdentifier
                sidKeyID = try ASN1OctetString(derEncoded: sid, withIdentifier: sid.identifier).bytes
            }
            digestAlgorithm = try parseAlgorithm(n.need("digestAlgorithm")).0
            var next = n.next()
            if let attrs = next, attrs.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
                case .constructed(let list) = attrs.content
            {
                signedAttrsDER = Array(attrs.encodedBytes)  // exactly the bytes that were signed (but for tag)
                for a in list {
                    try DER.sequence(a, identifier: .sequence) { av in
                        let type = try ASN1ObjectIdentifier(derEncoded: &av)
                        guard attributes[type] == nil, let set = av.next(), case .constructed(let vals) = set.content,
                            let first = Array(vals).first
                        else { throw TimestampError.malformed("attribute \(type)") }
                        attributes[type] = first
                    }
                }
                next = n.next()
            }
            guard !signedAttrsDER.isEmpty else { throw TimestampError.malformed("signedAttrs are required") }
            guard let next else { throw TimestampError.malformed("missing signatureAlgorithm") }
            signatureAlgorithm = try parseAlgorithm(next).0
            signature = Array(try ASN1OctetString(derEncoded: &n).bytes)
            drain(&n)  // unsignedAttrs
        }
    }

    /// TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime GeneralizedTime,
    ///   accuracy SEQUENCE OPTIONAL, ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL,
    ///   tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT Extensions OPTIONAL }
    mutating func parseTSTInfo() throws {
        try DER.sequence(DER.parse(tstInfoDER), identifier: .sequence) { n in
            guard try Int(derEncoded: &n) == 1 else { throw TimestampError.malformed("TSTInfo version") }
            policy = try ASN1ObjectIdentifier(derEncoded: &n)
            (imprintHash, imprintDigest) = try parseImprint(n.next())
            serial = Array(try ArraySlice<UInt8>(derEncoded: &n))
            let t = try GeneralizedTime(derEncoded: &n)
            var comps = DateComponents(
                calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                year: t.year, month: t.month, day: t.day, hour: t.hours, minute: t.minutes, second: t.seconds)
            comps.nanosecond = 0
            guard let d = comps.date else { throw TimestampError.malformed("genTime") }
            genTime = d.addingTimeInterval(t.fractionalSeconds)
            while let node = n.next() {  // accuracy, ordering, nonce, tsa [0], extensions [1]
                if node.identifier == .integer { nonce = Array(try ArraySlice<UInt8>(derEncoded: node)) }
            }
        }
    }
}
