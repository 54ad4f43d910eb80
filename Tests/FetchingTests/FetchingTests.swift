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
        Fetcher(limits: limits, userAgent: "test").fetch([FetchRequest(url: "http://127.0.0.1:9/")]) { _, result in outcome = result }
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
}
