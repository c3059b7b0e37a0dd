// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries: a module map and a shim of static inline wrappers, nothing else.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CGMime", pkgConfig: "gmime-3.0", providers: [.apt(["libgmime-3.0-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),

        // The domain: value types, errors, seams. Knows no C library and no other module.
        .target(name: "ParleyCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Reading and writing email (GMime, libxml2).
        .target(name: "ParleyMail", dependencies: ["ParleyCore", "CGMime", "CLibXML2"]),
        // Reading blog feeds (RSS 2.0, RSS 1.0, Atom 1.0 with libxml2; JSON Feed with
        // Foundation); HTML to text through ParleyMail.
        .target(name: "ParleyFeed", dependencies: ["ParleyMail", "CLibXML2"]),
        // Webmention (W3C): reading a source page (links, microformats2 h-entry) and
        // discovering an endpoint; HTML through ParleyMail's parser.
        .target(name: "ParleyWebmention", dependencies: ["ParleyMail", "ParleyFeed"]),
        // IMAP, SMTP and HTTP over libcurl; the only importer of CCurl.
        .target(name: "ParleyCurl", dependencies: [
            "ParleyCore", "CCurl",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // SQLite through GRDB.
        .target(name: "ParleyStore", dependencies: [
            "ParleyCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The pipeline, the services, configuration and wiring.
        .target(name: "ParleyRelay", dependencies: [
            "ParleyCore", "ParleyMail", "ParleyFeed", "ParleyWebmention", "ParleyCurl", "ParleyStore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // The HTTP side of the daemon (Hummingbird): comments pages, unsubscribe, moderation, health, metrics.
        .target(name: "ParleyWeb", dependencies: [
            "ParleyCore", "ParleyStore", "ParleyRelay",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The command line: argument parsing and output only.
        .executableTarget(name: "parley", dependencies: [
            "ParleyRelay", "ParleyWeb", "ParleyFeed",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks (`make bench`): their own executable, release build, never timed tests.
        .executableTarget(name: "parley-bench", dependencies: [
            "ParleyCore", "ParleyMail", "ParleyFeed", "ParleyRelay", "ParleyStore", "ParleyCurl", "CCurl", "ParleyTesting",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/parley-bench"),

        // Shared test support: the throw-away Dovecot and SMTP sink.
        .target(name: "ParleyTesting"),
        .testTarget(name: "ParleyCoreTests", dependencies: ["ParleyCore", "ParleyTesting", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ParleyMailTests", dependencies: ["ParleyMail", "ParleyTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ParleyFeedTests", dependencies: ["ParleyFeed", "ParleyTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ParleyWebmentionTests", dependencies: ["ParleyWebmention"]),
        .testTarget(name: "ParleyCurlTests", dependencies: ["ParleyCurl", "ParleyTesting"]),
        .testTarget(name: "ParleyStoreTests", dependencies: [
            "ParleyStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "ParleyRelayTests", dependencies: ["ParleyRelay", "ParleyMail", "ParleyStore", "ParleyCore", "ParleyCurl", "ParleyTesting",
                                                        .product(name: "Crypto", package: "swift-crypto")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ParleyWebTests", dependencies: [
            "ParleyWeb", "ParleyRelay", "ParleyStore", "ParleyCore", "ParleyMail", "ParleyTesting",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
