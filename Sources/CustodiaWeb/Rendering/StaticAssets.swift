import Foundation

/// The style sheet and script the pages use, served by Custodia itself (no outside
/// resources). Each has a version derived from its bytes, so that the pages can link
/// `/static/custodia.css?v=…` and the server can let browsers cache it for a long time.
public struct StaticAssets: Sendable {
    /// One file under `Sources/CustodiaWeb/Static/`.
    public struct Asset: Sendable {
        public let name: String
        public let contentType: String
        public let bytes: [UInt8]
        /// 16 hex digits of FNV-1a over the bytes; changes whenever the file does.
        public let version: String
        /// A strong ETag for conditional requests.
        public var etag: String { "\"\(version)\"" }
    }

    public let assets: [String: Asset]

    /// Loads every file of the `Static` resource folder.
    public init() throws {
        guard let url = Bundle.module.url(forResource: "Static", withExtension: nil) else {
            throw WebResourceError("the Static resource folder is missing from the CustodiaWeb bundle")
        }
        var assets: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where !name.hasPrefix(".") {
            let data = try Data(contentsOf: url.appendingPathComponent(name))
            let bytes = [UInt8](data)
            assets[name] = Asset(name: name, contentType: Self.contentType(of: name), bytes: bytes, version: Self.fnv1a(bytes))
        }
        self.assets = assets
    }

    /// The asset for the path after `/static/` (e.g. `custodia.css`); nil for anything else,
    /// including paths with `/` or `..`.
    public func asset(named name: String) -> Asset? {
        guard !name.contains("/"), !name.contains("..") else { return nil }
        return assets[name]
    }

    /// The versioned URL of an asset, e.g. `/static/custodia.css?v=1a2b…`.
    public func url(_ name: String) -> String {
        WebPaths.staticPrefix + name + (assets[name].map { "?v=" + $0.version } ?? "")
    }

    static func contentType(of name: String) -> String {
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return "application/octet-stream"
    }

    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A resource of the CustodiaWeb bundle is missing or unreadable: a packaging bug.
public struct WebResourceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
