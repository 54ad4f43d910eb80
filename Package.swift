// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dccorpus",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dccorpus", targets: ["dccorpus"]),
        .executable(name: "dccorpus-fuzz", targets: ["dccorpus-fuzz"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1")
    ],
    targets: [
        // C libraries, each behind one system-library target with a typed shim header.
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        // libcurl (headers from libcurl4-openssl-dev), loaded when the first fetch needs it.
        .target(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(
            name: "CZlibShim", path: "Sources/CZlibShim", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CDeflate", path: "Sources/CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(
            name: "CBrotli", path: "Sources/CBrotli", pkgConfig: "libbrotlidec",
            providers: [.apt(["libbrotli-dev"])]),
        // poppler-glib is loaded when a PDF is first read (see its shim): nothing to link.
        .systemLibrary(name: "CPoppler", path: "Sources/CPoppler", providers: [.apt(["libpoppler-glib8"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),

        .target(
            name: "CorpusKit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit")
            ]),
        // (CZlibShim, not CZlib: ZIPFoundation, used for the WACZ export, has a module of that name.)
        .target(
            name: "Archiving",
            dependencies: ["CorpusKit", "CZlibShim", "CDeflate", "CBrotli", "CZstd", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Cleaning", dependencies: ["CorpusKit", "CLibXML2", "CPoppler"]),
        // The whole fetch stage: the libcurl client and the job that turns its exchanges into WARC
        // records and documents (through Ingestion's placement and write session).
        .target(name: "Fetching", dependencies: ["CorpusKit", "CCurl", "Archiving", "Cleaning", "RecordBuilding", "Ingestion"]),
        .target(name: "Classification", dependencies: ["CorpusKit", "Cleaning"]),
        // Capture → clean → classify → record, and document identity: pure, below both the writers
        // (Ingestion) and the checks (Integrity), so `verify` never links the fetcher.
        .target(name: "RecordBuilding", dependencies: ["CorpusKit", "Archiving", "Cleaning", "Classification"]),
        // RFC 3161: time-stamp requests, and tokens checked (signature, chain) with swift-certificates.
        .target(
            name: "Timestamping",
            dependencies: [
                "CorpusKit", .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto")
            ]),
        .target(
            name: "Integrity",
            dependencies: [
                "CorpusKit", "Archiving", "Cleaning", "Classification", "RecordBuilding", "Timestamping",
                .product(name: "X509", package: "swift-certificates")
            ]),
        .target(name: "Ingestion", dependencies: ["CorpusKit", "Archiving", "Cleaning", "Classification", "RecordBuilding"]),
        .target(name: "Watching", dependencies: ["CorpusKit", "Ingestion", "RecordBuilding"]),
        .target(name: "Exporting", dependencies: ["CorpusKit", "Archiving", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Searching", dependencies: ["CorpusKit", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "dccorpus",
            dependencies: [
                "CorpusKit", "Archiving", "Cleaning", "Classification", "RecordBuilding", "Integrity", "Ingestion", "Fetching", "Watching",
                "Exporting", "Searching", "Timestamping",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            // A release binary carries the Swift runtime and Foundation inside it: every command
            // starts about 15 ms sooner (the dynamic linker no longer resolves their symbols),
            // which is most of a one-shot command's fixed cost. Linked by lld (gold warns about
            // static Foundation's use of mktemp). Debug builds, which the tests use, stay dynamic.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(configuration: .release))]),
        // Fuzz targets, shared by the libFuzzer driver (Scripts/fuzz.sh) and the regression tests.
        .target(
            name: "Fuzzing",
            dependencies: [
                "CorpusKit", "Archiving", "Cleaning", "Classification", "RecordBuilding", "Integrity",
                .product(name: "ZIPFoundation", package: "ZIPFoundation")
            ]),
        .executableTarget(name: "dccorpus-fuzz", dependencies: ["CorpusKit", "Fuzzing"]),

        // What several test targets share (the fixtures' folder and the repository's Config/).
        .target(name: "TestSupport", dependencies: ["CorpusKit"], path: "Tests/TestSupport"),
        .testTarget(name: "CorpusKitTests", dependencies: ["CorpusKit", "TestSupport"]),
        .testTarget(name: "ArchivingTests", dependencies: ["Archiving", "CorpusKit", "TestSupport"]),
        .testTarget(name: "FetchingTests", dependencies: ["Fetching", "Archiving", "CorpusKit", "CCurl"]),
        .testTarget(name: "ExportingTests", dependencies: ["Exporting", "CorpusKit", "TestSupport"]),
        .testTarget(name: "CleaningTests", dependencies: ["Cleaning", "CorpusKit", "TestSupport"]),
        .testTarget(name: "ClassificationTests", dependencies: ["Classification", "Cleaning", "CorpusKit", "TestSupport"]),
        .testTarget(
            name: "IntegrityTests",
            dependencies: ["Integrity", "Ingestion", "RecordBuilding", "Archiving", "CorpusKit", "Exporting", "TestSupport"]),
        .testTarget(name: "RecordBuildingTests", dependencies: ["RecordBuilding", "Cleaning", "CorpusKit", "TestSupport"]),
        .testTarget(name: "IngestionTests", dependencies: ["Ingestion", "Archiving", "CorpusKit", "TestSupport"]),
        .testTarget(name: "SearchingTests", dependencies: ["Searching", "CorpusKit", "TestSupport"]),
        .testTarget(name: "WatchingTests", dependencies: ["Watching", "Ingestion", "CorpusKit", "TestSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["Fuzzing"]),
        .testTarget(name: "EndToEndTests", dependencies: ["CorpusKit", "Archiving", "TestSupport"])
    ],
    swiftLanguageModes: [.v6]
)
