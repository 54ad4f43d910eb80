import CCurl
import CorpusKit
import Foundation

/// What to fetch: a URL, how to treat TLS, and the validators of the previous capture.
public struct FetchRequest: Sendable, Equatable {
    public var url: String
    public var sourceID: String?
    public var verifyTLS: Bool
    public var ifNoneMatch: String?
    public var ifModifiedSince: String?
    /// This request's own body cap (a requisite's), instead of `[fetch] max_body_bytes`.
    public var maxBodyBytes: Int?
    /// The `Accept` header, when not a page's.
    public var accept: String?
    /// A `Range` header (`bytes=1000-`): the rest of a file a server sends in parts.
    public var range: String?
    /// A POST body and its media type (a time-stamp request); nil: GET.
    public var body: Data?
    public var contentType: String?

    public init(
        url: String, sourceID: String? = nil, verifyTLS: Bool = true, ifNoneMatch: String? = nil, ifModifiedSince: String? = nil,
        maxBodyBytes: Int? = nil, accept: String? = nil, range: String? = nil, body: Data? = nil, contentType: String? = nil
    ) {
        self.range = range
        self.body = body
        self.contentType = contentType
        self.maxBodyBytes = maxBodyBytes
        self.accept = accept
        self.url = url
        self.sourceID = sourceID
        self.verifyTLS = verifyTLS
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
    }
}

/// A completed HTTP exchange as libcurl saw it: the final request and response, byte for byte
/// in their header sections, and the redirect chain that led there.
public struct FetchResponse: Sendable {
    public var request: FetchRequest
    public var finalURL: String
    public var status: Int
    /// The request header section as sent (from libcurl's debug stream), final hop.
    public var requestHead: Data
    /// The response header section as received, final hop, with `Transfer-Encoding` renamed
    /// because libcurl hands over the body already de-chunked.
    public var responseHead: Data
    public var headers: [(name: String, value: String)]
    public var body: Data
    public var remoteIP: String?
    /// Each redirect hop: "301 https://…" (status and Location as sent) in order.
    public var redirects: [String] { hops.map { "\($0.status) \($0.location ?? "")" } }
    /// The redirect responses that led to this one, in order, each a full exchange.
    public var hops: [FetchHop] = []
    public var tlsVerified: Bool?
    public var tlsVerifyResult: Int?
    public var date: Date
    public var attempts: Int

    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One redirect in a chain: the exchange at `url` whose response sent the client on.
public struct FetchHop: Sendable {
    public var url: String
    public var status: Int
    /// The `Location` value as sent (may be relative).
    public var location: String?
    public var requestHead: Data
    public var responseHead: Data
    public var body: Data
    public var remoteIP: String?
    public var date: Date
}

/// Fetches many URLs at once with libcurl's multi interface: per-host concurrency and delay,
/// retries with backoff on timeouts, 429 and 5xx (honouring Retry-After), and every limit from
/// `[fetch]` in `Config/pipeline.toml`. Only http and https are ever spoken, also on redirect.
public final class Fetcher {
    public let limits: FetchLimits
    public let userAgent: String
    /// Sent as `Accept-Encoding` (the codings the caller can undo); the body is kept as sent.
    public let acceptEncoding: String?
    /// Which addresses may be connected to (checked after DNS, on every hop).
    public let addresses: AddressPolicy

    public init(limits: FetchLimits, userAgent: String, acceptEncoding: String? = nil, addresses: AddressPolicy = AddressPolicy()) {
        self.limits = limits
        self.userAgent = userAgent
        self.acceptEncoding = acceptEncoding
        self.addresses = addresses
        Fetcher.initializeOnce
    }

    private static let initializeOnce: Void = { ccurl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Fetches every request; `onDone` is called on this thread as each one finishes (in
    /// completion order) with its index in `requests`.
    public func fetch(_ requests: [FetchRequest], onDone: (Int, Result<FetchResponse, CorpusError>) -> Void) {
        guard let multi = ccurl_multi_init() else {
            for index in requests.indices {
                onDone(
                    index,
                    .failure(
                        CorpusError(
                            file: requests[index].url, stage: .fetch,
                            reason: ccurl_load_error().map { String(cString: $0) } ?? "libcurl multi handle could not be created")))
            }
            return
        }
        defer { ccurl_multi_cleanup(multi) }
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, limits.maxConcurrency)

        var queue: [Pending] = requests.indices.map {
            Pending(index: $0, url: requests[$0].url, host: Self.host(of: requests[$0].url), attempt: 1, notBefore: .distantPast)
        }
        var active: [UnsafeMutableRawPointer: (transfer: Transfer, pending: Pending)] = [:]
        var activePerHost: [String: Int] = [:]
        var lastStartPerHost: [String: Date] = [:]

        /// Ctrl-C: what is under way finishes; nothing new starts.
        func dropQueueIfInterrupted() {
            guard Interruption.requested else { return }
            for pending in queue {
                onDone(
                    pending.index,
                    .failure(CorpusError(file: requests[pending.index].url, stage: .fetch, reason: "not fetched: stopped by Ctrl-C")))
            }
            queue = []
        }

        /// Starts each queued request that concurrency, the per-host delay and its retry time allow.
        func startWhatPolitenessAllows() {
            let now = Date()
            var waiting: [Pending] = []
            for pending in queue {
                let request = requests[pending.index]
                let host = pending.host
                let last = lastStartPerHost[host] ?? .distantPast
                let canStart =
                    active.count < limits.maxConcurrency && pending.notBefore <= now
                    && (activePerHost[host] ?? 0) < limits.perHostConcurrency
                    && now.timeIntervalSince(last) >= limits.perHostDelaySeconds
                guard canStart else {
                    waiting.append(pending)
                    continue
                }
                // `timeout_seconds` bounds a whole redirect chain, as it did when libcurl followed it.
                var pending = pending
                if pending.hops.isEmpty { pending.deadline = now.addingTimeInterval(limits.timeoutSeconds) }
                let remaining = pending.deadline.timeIntervalSince(now)
                guard remaining > 0 else {
                    onDone(
                        pending.index,
                        .failure(
                            CorpusError(
                                file: request.url, stage: .fetch,
                                reason:
                                    "timed out after \(pending.hops.count) redirects (pipeline.toml fetch.timeout_seconds covers the whole chain)"
                            )))
                    continue
                }
                do {
                    let transfer = try Transfer(
                        request: request, url: pending.url, index: pending.index, attempt: pending.attempt, limits: limits,
                        userAgent: userAgent, acceptEncoding: acceptEncoding, addresses: addresses, timeout: remaining)
                    ccurl_multi_add_handle(multi, transfer.handle)
                    active[UnsafeMutableRawPointer(transfer.handle)] = (transfer, pending)
                    activePerHost[host, default: 0] += 1
                    lastStartPerHost[host] = now
                } catch let error as CorpusError {
                    onDone(pending.index, .failure(error))
                } catch {
                    onDone(pending.index, .failure(CorpusError(file: request.url, stage: .fetch, reason: "\(error)")))
                }
            }
            queue = waiting
        }

        /// Takes each finished transfer: retried, sent on to its redirect's next hop, or done.
        func collectFinished() {
            var remaining: Int32 = 0
            while let message = ccurl_multi_info_read(multi, &remaining) {
                var easy: UnsafeMutableRawPointer? = nil
                var code = CURLE_OK
                guard ccurl_message_done(message, &easy, &code) == 1, let easy, let (transfer, pending) = active.removeValue(forKey: easy)
                else {
                    continue
                }
                ccurl_multi_remove_handle(multi, easy)
                activePerHost[pending.host, default: 1] -= 1
                switch next(after: transfer.finish(code: code, hops: pending.hops), of: transfer, pending: pending, requests: requests) {
                case .again(let later): queue.append(later)
                case .done(let result): onDone(transfer.index, result)
                }
            }
        }

        /// Sleeps in poll only until a transfer has news or the next queued request may start:
        /// with a free slot and nothing to wait for, goes round at once (waiting the whole
        /// timeout there held a loopback fetch to a few dozen pages a second).
        func waitForNews() {
            var wait = 100.0
            if active.count < limits.maxConcurrency {
                let now = Date()
                for pending in queue {
                    let host = pending.host
                    guard (activePerHost[host] ?? 0) < limits.perHostConcurrency else { continue }
                    let startAt = max(
                        pending.notBefore, (lastStartPerHost[host] ?? .distantPast).addingTimeInterval(limits.perHostDelaySeconds))
                    wait = min(wait, max(0, startAt.timeIntervalSince(now) * 1000))
                    if wait == 0 { break }
                }
            }
            if wait > 0 {
                var ready: Int32 = 0
                ccurl_multi_poll(multi, nil, 0, Int32(wait.rounded(.up)), &ready)
            }
        }

        while !queue.isEmpty || !active.isEmpty {
            dropQueueIfInterrupted()
            startWhatPolitenessAllows()
            var running: Int32 = 0
            ccurl_multi_perform(multi, &running)
            collectFinished()
            if !active.isEmpty || !queue.isEmpty { waitForNews() }
        }
    }

    /// What follows a finished exchange: the same request again later (a retry, or a redirect's
    /// next hop), or its result.
    enum Next {
        case again(Pending)
        case done(Result<FetchResponse, CorpusError>)
    }

    func next(after result: Result<FetchResponse, CorpusError>, of transfer: Transfer, pending: Pending, requests: [FetchRequest]) -> Next {
        var retry = pending
        retry.attempt += 1
        switch result {
        case .success(let response) where Self.isRetryable(status: response.status) && transfer.attempt <= limits.retries:
            retry.notBefore = Date().addingTimeInterval(retryDelay(attempt: transfer.attempt, retryAfter: response.header("retry-after")))
            return .again(retry)
        // A hop after a redirect that ran out of its chain's time is not tried again.
        case .failure
        where transfer.isRetryableFailure && transfer.attempt <= limits.retries && (pending.hops.isEmpty || Date() < pending.deadline):
            retry.notBefore = Date().addingTimeInterval(retryDelay(attempt: transfer.attempt, retryAfter: nil))
            return .again(retry)
        case .success(let response) where (300...399).contains(response.status) && transfer.redirectURL != nil:
            switch nextHop(after: response, pending: pending, original: requests[pending.index].url, to: transfer.redirectURL!) {
            case .success(let next): return .again(next)
            case .failure(let error): return .done(.failure(error))
            }
        case .success(let response) where response.status >= 400:
            return .done(
                .failure(
                    CorpusError(
                        file: transfer.request.url, stage: .fetch,
                        reason: "HTTP \(response.status)\(transfer.attempt > 1 ? " after \(transfer.attempt) attempts" : "")")))
        case let result:
            return .done(result)
        }
    }

    /// A request waiting to start: the first hop or one a redirect asked for. Redirects are
    /// followed here, not by libcurl, so that every hop is its own exchange with its own request,
    /// response and body in the archive (and its scheme is checked before it is requested).
    struct Pending {
        var index: Int
        var url: String
        var host: String  // parsed once, not per round
        var hops: [FetchHop] = []
        var attempt: Int
        var notBefore: Date
        /// When the chain must be done (set when its first hop starts).
        var deadline = Date.distantFuture
    }

    /// The request for the next hop of a redirect chain, or why the chain stops there.
    func nextHop(after response: FetchResponse, pending: Pending, original: String, to target: String) -> Result<Pending, CorpusError> {
        guard pending.hops.count < limits.maxRedirects else {
            return .failure(
                CorpusError(
                    file: original, stage: .fetch,
                    reason: "more than \(limits.maxRedirects) redirects (pipeline.toml fetch.max_redirects); the last went to \(target)"))
        }
        let scheme = target.prefix { $0 != ":" }.lowercased()
        guard scheme == "http" || scheme == "https" else {
            return .failure(
                CorpusError(
                    file: original, stage: .fetch,
                    reason: "forbidden scheme: a redirect to \(target.prefix(200)); only http and https are fetched"))
        }
        let hop = FetchHop(
            url: response.finalURL, status: response.status, location: response.header("location"),
            requestHead: response.requestHead, responseHead: response.responseHead, body: response.body,
            remoteIP: response.remoteIP, date: response.date)
        return .success(
            Pending(
                index: pending.index, url: target, host: Self.host(of: target), hops: pending.hops + [hop], attempt: 1,
                notBefore: .distantPast, deadline: pending.deadline))
    }

    func retryDelay(attempt: Int, retryAfter: String?) -> TimeInterval {
        var wait = limits.retryBaseSeconds * pow(2, Double(attempt - 1))
        if let retryAfter {
            if let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)) {
                wait = max(wait, seconds)
            } else if let date = Self.httpDate(retryAfter) {
                wait = max(wait, date.timeIntervalSinceNow)
            }
        }
        return min(max(0, wait), limits.retryAfterCapSeconds)
    }

    static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    public static func host(of url: String) -> String { URL(string: url)?.host?.lowercased() ?? url }

    /// The URL's port, or its scheme's when it names none.
    static func port(of url: String) -> Int {
        let parsed = URL(string: url)
        return parsed?.port ?? (parsed?.scheme?.lowercased() == "https" ? 443 : 80)
    }

    /// `host:port`: what a source is trusted as.
    public static func authority(of url: String) -> String { "\(AddressPolicy.normalized(host(of: url))):\(port(of: url))" }

    /// RFC 7231 IMF-fixdate, as in Retry-After and Last-Modified.
    public static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }
}

/// One libcurl easy handle and what it gathers. Owns the handle (and its header list) and frees
/// both in `deinit`; C callbacks reach it through an unretained pointer that lives no longer
/// than the handle.
final class Transfer {
    let handle: UnsafeMutableRawPointer
    let request: FetchRequest
    /// This hop's URL: the request's own, or where a redirect sent it.
    let url: String
    let index: Int
    let attempt: Int
    let limits: FetchLimits
    let addresses: AddressPolicy
    /// This hop's host and port, as the address policy judges them.
    let host: String
    let port: Int
    var maxBodyBytes: Int { request.maxBodyBytes ?? limits.maxBodyBytes }
    /// The addresses the open-socket callback refused, and why.
    var refusedAddresses: [(address: IPAddress, range: String)] = []
    /// Set when a socket of another family than IPv4 or IPv6 was asked for.
    var refusedFamily: Int32?
    private var headerList: UnsafeMutablePointer<curl_slist>? = nil
    /// libcurl writes its error text here whenever a transfer fails, long after the setopt call:
    /// the buffer is allocated once and owned for the handle's whole life (a `&array` argument
    /// is only valid during the call it is passed to).
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return buffer
    }()

    var body = Data()
    var tooLarge = false
    var currentHead = Data()
    var requestHead = Data()
    var isRetryableFailure = false
    /// Where a 3xx response points, resolved by libcurl against this hop's URL.
    var redirectURL: String?

    /// `timeout`: seconds this hop may take (what is left of its chain's `timeout_seconds`).
    init(
        request: FetchRequest, url: String, index: Int, attempt: Int, limits: FetchLimits, userAgent: String,
        acceptEncoding: String? = nil, addresses: AddressPolicy = AddressPolicy(), timeout: Double
    ) throws {
        guard let handle = ccurl_easy_init() else {
            throw CorpusError(
                file: request.url, stage: .fetch,
                reason: ccurl_load_error().map { String(cString: $0) } ?? "libcurl easy handle could not be created")
        }
        self.handle = handle
        self.request = request
        self.url = url
        self.index = index
        self.attempt = attempt
        self.limits = limits
        self.addresses = addresses
        self.host = Fetcher.host(of: url)
        self.port = Fetcher.port(of: url)
        try configure(userAgent: userAgent, acceptEncoding: acceptEncoding, timeout: timeout)
    }

    deinit {
        ccurl_easy_cleanup(handle)
        ccurl_slist_free_all(headerList)
        errorBuffer.deallocate()  // after the handle: libcurl may write to it until cleanup
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_easy_setopt_long(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(ccurl_easy_setopt_string(handle, option, value), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw CorpusError(
                file: request.url, stage: .fetch, reason: "libcurl option \(option): \(String(cString: ccurl_easy_strerror(code)))")
        }
    }

    private func configure(userAgent: String, acceptEncoding: String?, timeout: Double) throws {
        let me = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_URL, url)
        // Only http and https. libcurl never follows a redirect itself: the fetcher makes each
        // hop its own transfer (and checks its scheme before it does).
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // No proxy from the environment (http_proxy, ALL_PROXY…): the address guard judges the
        // address connected to, which through a proxy would be the proxy's, not the target's.
        try set(CURLOPT_PROXY, "")
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(limits.connectTimeoutSeconds * 1000))
        try set(CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        if limits.lowSpeedBytesPerSecond > 0 {
            try set(CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
            try set(CURLOPT_LOW_SPEED_TIME, limits.lowSpeedSeconds)
        }
        try check(ccurl_easy_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBodyBytes)), CURLOPT_MAXFILESIZE_LARGE)
        try set(CURLOPT_USERAGENT, userAgent)
        try set(CURLOPT_SSL_VERIFYPEER, request.verifyTLS ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, request.verifyTLS ? 2 : 0)
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
        var headers = ["Accept: \(request.accept ?? "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5")"]
        // Set as a header, not CURLOPT_ACCEPT_ENCODING: libcurl then hands over the body as sent,
        // which is what the archive keeps (the caller decodes it for cleaning).
        if let acceptEncoding { headers.append("Accept-Encoding: \(acceptEncoding)") }
        if let etag = request.ifNoneMatch { headers.append("If-None-Match: \(etag)") }
        if let modified = request.ifModifiedSince { headers.append("If-Modified-Since: \(modified)") }
        if let range = request.range { headers.append("Range: \(range)") }
        if let body = request.body, !body.isEmpty {
            try set(CURLOPT_POST, 1)
            try check(ccurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), CURLOPT_POSTFIELDSIZE_LARGE)
            // libcurl copies the bytes: nothing to keep alive for it.
            try body.withUnsafeBytes { raw in
                try check(
                    ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress!)),
                    CURLOPT_COPYPOSTFIELDS)
            }
            if let type = request.contentType { headers.append("Content-Type: \(type)") }
        }
        for line in headers { headerList = ccurl_slist_append(headerList, line) }
        try check(ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), CURLOPT_HTTPHEADER)
        try check(ccurl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, transferWriteBody), CURLOPT_WRITEFUNCTION)
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me), CURLOPT_WRITEDATA)
        try check(ccurl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, transferWriteHeader), CURLOPT_HEADERFUNCTION)
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me), CURLOPT_HEADERDATA)
        // The debug stream is the only place libcurl shows the request headers exactly as sent.
        try check(ccurl_easy_setopt_debug_function(handle, transferDebug), CURLOPT_DEBUGFUNCTION)
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_DEBUGDATA, me), CURLOPT_DEBUGDATA)
        try set(CURLOPT_VERBOSE, 1)
        // Every address libcurl is about to connect to (after DNS, each one it tries) is judged.
        try check(ccurl_easy_setopt_opensocket_function(handle, transferOpenSocket), CURLOPT_OPENSOCKETFUNCTION)
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, me), CURLOPT_OPENSOCKETDATA)
    }

    /// A socket for `address`, or `CURL_SOCKET_BAD` when the address policy refuses it.
    func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        var bytes: [UInt8] = []
        withUnsafePointer(to: &address.pointee.addr) { pointer in
            if family == AF_INET {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var raw = v4.pointee.sin_addr
                    bytes = withUnsafeBytes(of: &raw) { Array($0) }
                }
            } else if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var raw = v6.pointee.sin6_addr
                    bytes = withUnsafeBytes(of: &raw) { Array($0) }
                }
            }
        }
        // Only IP sockets: anything else (a Unix socket) has no place in a fetch.
        guard let ip = IPAddress(bytes: bytes) else {
            refusedFamily = family
            return CURL_SOCKET_BAD
        }
        if let range = addresses.refusal(host: host, port: port, address: ip) {
            refusedAddresses.append((ip, range))
            return CURL_SOCKET_BAD
        }
        return socket(family, address.pointee.socktype, address.pointee.protocol)
    }

    func receiveHeader(_ bytes: UnsafeBufferPointer<UInt8>) {
        // A new status line starts the header section again (after a 100 Continue).
        if bytes.starts(with: "HTTP/".utf8) { currentHead = Data() }
        currentHead.append(bytes.baseAddress!, count: bytes.count)
    }

    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if body.count + bytes.count > maxBodyBytes {
            tooLarge = true
            return false
        }
        body.append(bytes.baseAddress!, count: bytes.count)
        return true
    }

    func receiveDebug(type: curl_infotype, _ bytes: UnsafeBufferPointer<UInt8>) {
        if type == CURLINFO_HEADER_OUT { requestHead = Data(bytes) }
    }

    func finish(code: CURLcode, hops: [FetchHop]) -> Result<FetchResponse, CorpusError> {
        let message = String(cString: errorBuffer)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard code == CURLE_OK else {
            let reason: String
            switch code {
            case CURLE_WRITE_ERROR where tooLarge, CURLE_FILESIZE_EXCEEDED:
                reason =
                    "body larger than the \(maxBodyBytes)-byte limit (pipeline.toml \(request.maxBodyBytes == nil ? "fetch.max_body_bytes" : "requisites.max_file_bytes or max_media_bytes"))"
            case CURLE_OPERATION_TIMEDOUT:
                isRetryableFailure = true
                reason = "timed out (\(message.isEmpty ? "no detail" : message))"
            case CURLE_UNSUPPORTED_PROTOCOL:
                reason = "forbidden scheme: only http and https are fetched (\(message))"
            case CURLE_COULDNT_RESOLVE_HOST: reason = "DNS lookup failed (\(message))"
            case CURLE_COULDNT_CONNECT where !refusedAddresses.isEmpty:
                reason = AddressPolicy.reason(host: host, refused: refusedAddresses)
            case CURLE_COULDNT_CONNECT where refusedFamily != nil:
                reason = "refused to connect: address family \(refusedFamily!) is neither IPv4 nor IPv6"
            case CURLE_COULDNT_CONNECT: reason = "connection refused or unreachable (\(message))"
            case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR:
                reason =
                    "TLS failure (\(message)); set tls = \"record-insecure\" on the source to archive it anyway, recorded as unverified"
            default:
                reason = message.isEmpty ? String(cString: ccurl_easy_strerror(code)) : message
            }
            return .failure(CorpusError(file: request.url, stage: .fetch, reason: reason))
        }
        var status = 0
        var effective: UnsafeMutablePointer<CChar>? = nil
        var ip: UnsafeMutablePointer<CChar>? = nil
        var verifyResult = 0
        ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        ccurl_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        ccurl_easy_getinfo_string(handle, CURLINFO_PRIMARY_IP, &ip)
        ccurl_easy_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult)
        var redirect: UnsafeMutablePointer<CChar>? = nil
        ccurl_easy_getinfo_string(handle, CURLINFO_REDIRECT_URL, &redirect)
        redirectURL = redirect.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let finalURL = effective.map { String(cString: $0) } ?? url
        let isTLS = finalURL.lowercased().hasPrefix("https:")
        let head = Self.normalizedHead(currentHead)
        return .success(
            FetchResponse(
                request: request, finalURL: finalURL, status: status, requestHead: requestHead, responseHead: head.bytes,
                headers: head.headers, body: body, remoteIP: ip.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
                hops: hops, tlsVerified: isTLS ? request.verifyTLS : nil, tlsVerifyResult: isTLS ? verifyResult : nil,
                date: Date(), attempts: attempt))
    }

    /// Parses the final header section and renames Transfer-Encoding (the stored body is already
    /// de-chunked, and readers such as warcio would otherwise try to de-chunk it again).
    static func normalizedHead(_ raw: Data) -> (bytes: Data, headers: [(name: String, value: String)]) {
        let text = String(decoding: raw, as: UTF8.self)
        var lines = text.pieces(separatedBy: "\r\n").filter { !$0.isEmpty }
        var headers: [(name: String, value: String)] = []
        for index in lines.indices.dropFirst() {
            guard let (name, value) = HeaderFields.split(lines[index]) else { continue }
            if name.lowercased() == "transfer-encoding" {
                lines[index] = "X-Archive-Orig-Transfer-Encoding: \(value)"
            }
            headers.append((name, value))
        }
        return (Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8), headers)
    }
}

private func transfer(_ pointer: UnsafeMutableRawPointer?) -> Transfer {
    Unmanaged<Transfer>.fromOpaque(pointer!).takeUnretainedValue()
}

private let transferWriteBody: curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data else { return length }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return transfer(context).receiveBody(bytes) ? length : 0
}

private let transferWriteHeader: curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let data else { return length }
    transfer(context).receiveHeader(UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length))
    return length
}

private let transferOpenSocket: curl_opensocket_callback = { context, _, address in
    guard let address else { return CURL_SOCKET_BAD }
    return transfer(context).openSocket(address)
}

private let transferDebug: curl_debug_callback = { _, type, data, size, context in
    guard let data else { return 0 }
    transfer(context).receiveDebug(
        type: type, UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size))
    return 0
}
