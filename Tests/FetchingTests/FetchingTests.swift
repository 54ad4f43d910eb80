import Archiving
import CCurl
import CorpusKit
import Foundation
import Testing

@testable import Fetching

@Suite struct FetchingTests {
    @Test func retryDelaysBackOffAndHonourRetryAfterUpToTheCap() {
        var limits = FetchLimits()
        limits.retryBaseSeconds = 1
        limits.retryAfterCapSeconds = 10
        let fetcher = Fetcher(limits: limits, userAgent: "test")
        #expect(fetcher.retryDelay(attempt: 1, retryAfter: nil) == 1)
        #expect(fetcher.retryDelay(attempt: 3, retryAfter: nil) == 4)
        #expect(fetcher.retryDelay(attempt: 1, retryAfter: "5") == 5)
        #expect(fetcher.retryDelay(attempt: 1, retryAfter: "3600") == 10)
        #expect(fetcher.retryDelay(attempt: 1, retryAfter: "soon") == 1)
    }

    @Test(arguments: [(429, true), (500, true), (503, true), (404, false), (200, false), (304, false)])
    func retryableStatuses(status: Int, retryable: Bool) {
        #expect(Fetcher.isRetryable(status: status) == retryable)
    }

    @Test func httpDatesParse() throws {
        let date = try #require(Fetcher.httpDate("Fri, 11 Apr 2025 09:00:00 GMT"))
        #expect(date.timeIntervalSince1970 == 1_744_362_000)
        #expect(Fetcher.httpDate("yesterday") == nil)
    }

    @Test func transferEncodingIsRenamedAndRepeatedHeadersKept() {
        let raw = Data("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nTransfer-Encoding: chunked\r\nSet-Cookie: b=2\r\n\r\n".utf8)
        let head = Transfer.normalizedHead(raw)
        #expect(
            String(decoding: head.bytes, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Archive-Orig-Transfer-Encoding: chunked\r\nSet-Cookie: b=2\r\n\r\n")
        #expect(head.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])
    }

    @Test func aRefusedConnectionFailsWithAClearReason() throws {
        var limits = FetchLimits()
        limits.retries = 0
        limits.connectTimeoutSeconds = 2
        var outcome: Result<FetchResponse, CorpusError>? = nil
        // Port 9 (discard) on loopback is closed on this kind of machine: the connect is refused.
        Fetcher(limits: limits, userAgent: "test", addresses: AddressPolicy(trustedHosts: ["127.0.0.1"])).fetch([
            FetchRequest(url: "http://127.0.0.1:9/")
        ]) { _, result in outcome = result }
        guard case .failure(let error)? = outcome else {
            Issue.record("expected a failure, got \(String(describing: outcome))")
            return
        }
        #expect(error.stage == .fetch)
        #expect(error.reason.contains("refused") || error.reason.contains("timed out"))
    }

    @Test func nonHTTPSchemesAreRefusedByLibcurl() throws {
        var outcome: Result<FetchResponse, CorpusError>? = nil
        Fetcher(limits: FetchLimits(), userAgent: "test").fetch([FetchRequest(url: "file:///etc/passwd")]) { _, result in outcome = result }
        guard case .failure(let error)? = outcome else {
            Issue.record("file:// was fetched")
            return
        }
        #expect(error.reason.contains("forbidden scheme"))
    }

    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
        ("172.31.255.255", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "shared address space"), ("224.0.0.1", "multicast"), ("255.255.255.255", "reserved"), ("::1", "loopback"),
        ("::", "unspecified"), ("fe80::1", "link-local"), ("fd00::1", "unique local"), ("::ffff:127.0.0.1", "loopback, IPv4 inside IPv6"),
        ("::ffff:169.254.169.254", "link-local, IPv4 inside IPv6"), ("64:ff9b::a00:1", "private, IPv4 inside NAT64"),
        ("ff02::1", "multicast"), ("2002:7f00:1::", "loopback, IPv4 inside 6to4"), ("::ffff:0:a00:1", "private, IPv4 inside SIIT"),
        ("64:ff9b:1::a9fe:a9fe", "link-local, IPv4 inside NAT64"), ("192.0.2.1", "documentation"), ("203.0.113.9", "documentation")
    ])
    func internalAddressesAreKnown(text: String, range: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.internalRange == range)
        #expect(AddressPolicy().refusal(host: "evil.example", address: address) == range)
        #expect(
            AddressPolicy.reason(host: "evil.example", refused: [(address, range)]).hasPrefix(
                "refused to connect to \(text) (\(range)) for evil.example"))
    }

    @Test(arguments: ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::"])
    func publicAddressesAreAllowed(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.internalRange == nil)
        #expect(AddressPolicy().refusal(host: "example.org", address: address) == nil)
    }

    @Test func aRunsOwnHostsAndConfiguredAddressesMayBeInternal() throws {
        let loopback = try #require(IPAddress("127.0.0.1"))
        let policy = AddressPolicy(trustedHosts: ["127.0.0.1", "[::1]"], allowed: ["10.0.0.5", "Intranet.Example"])
        #expect(policy.refusal(host: "127.0.0.1", address: loopback) == nil)
        #expect(policy.refusal(host: "::1", address: try #require(IPAddress("::1"))) == nil)
        #expect(policy.refusal(host: "localhost", address: loopback) != nil)
        #expect(policy.refusal(host: "cdn.example", address: try #require(IPAddress("10.0.0.5"))) == nil)
        #expect(policy.refusal(host: "intranet.example", address: try #require(IPAddress("10.9.9.9"))) == nil)
        #expect(policy.refusal(host: "cdn.example", address: try #require(IPAddress("10.0.0.6"))) != nil)
        #expect(IPAddress("10.0.0.5")?.text == "10.0.0.5")
        #expect(IPAddress("::ffff:7f00:1")?.text == "::ffff:127.0.0.1")
    }
}

/// libcurl is loaded at the first call, not linked: the program's other commands start without
/// it and its TLS, Kerberos and LDAP libraries.
@Suite struct LazyLibcurlTests {
    @Test func libcurlLoadsAtTheFirstCallAndAnswersItself() throws {
        #expect(ccurl_load_error() == nil)
        #expect(String(cString: ccurl_easy_strerror(CURLE_OK)) == "No error")
        let handle = try #require(ccurl_easy_init())
        defer { ccurl_easy_cleanup(handle) }
        #expect(ccurl_easy_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK)
    }

    /// The executable does not name libcurl among the libraries it needs.
    @Test func theProgramIsNotLinkedToLibcurl() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/dccorpus")
        try #require(FileManager.default.fileExists(atPath: binary.path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["readelf", "-d", binary.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.contains("libxml2"), "readelf gave: \(output.prefix(200))")
        #expect(!output.contains("libcurl"))
    }
}

@Suite struct RequisitePolicyTests {
    @Test(arguments: [
        ("img.example.com", "www.example.com", true), ("www.bjcc.gov.cn", "bjcc.gov.cn", true), ("cdn.other.net", "www.example.com", false),
        ("a.gov.cn", "b.gov.cn", false), ("127.0.0.1", "127.0.0.1", true), ("localhost", "127.0.0.1", false),
        ("i0.wp.com", "lessons.example.org", false)
    ])
    func thePagesOwnSiteIsAllowed(host: String, page: String, allowed: Bool) {
        #expect(RequisiteCrawl.hostAllowed(host, page: page, patterns: []) == allowed)
    }

    @Test func listedHostsAndWildcardsAreAllowed() {
        #expect(RequisiteCrawl.hostAllowed("i0.wp.com", page: "lessons.example.org", patterns: ["*.wp.com"]))
        #expect(RequisiteCrawl.hostAllowed("wp.com", page: "lessons.example.org", patterns: ["*.wp.com"]))
        #expect(!RequisiteCrawl.hostAllowed("evilwp.com", page: "lessons.example.org", patterns: ["*.wp.com"]))
        #expect(RequisiteCrawl.hostAllowed("anything.example", page: "lessons.example.org", patterns: ["*"]))
        #expect(RequisiteCrawl.hostAllowed("fonts.gstatic.com", page: "x.org", patterns: ["Fonts.gstatic.com"]))
    }

    @Test func mediaExtensionsAndSniffing() {
        #expect(RequisiteCrawl.pathExtension("/v/lesson.MP4?token=1#t=3") == "mp4")
        #expect(RequisiteCrawl.pathExtension("/v.dir/lesson") == "")
        #expect(RequisiteCrawl.sniffsHTML(Data("\u{FEFF}  <!DOCTYPE html><html>".utf8)))
        #expect(!RequisiteCrawl.sniffsHTML(Data([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70])))
        #expect(HLSPlaylist.sniff(Data("#EXTM3U\n#EXT-X-VERSION:3\n".utf8)))
    }
}
