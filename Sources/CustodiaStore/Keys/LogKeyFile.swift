import CustodiaLedger
import Foundation

/// The log's Ed25519 key in a file beside the database (never inside it), mode 0600.
///
/// Format, one line: `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ 32-byte seed)>`, the
/// private-key form of a C2SP signed-note verifier key.
public enum LogKeyFile {
    /// The default key path for a database: `custodia.db` → `custodia.db.key`.
    public static func defaultPath(forDatabase path: String) -> String { path + ".key" }

    /// Writes a new key; refuses to overwrite an existing file.
    public static func create(_ key: LogKey, at path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.keyInvalid, "the key file \(path) already exists; Custodia never overwrites a log key")
        }
        let line =
            "PRIVATE+KEY+\(key.name)+\(key.verifierKey.split(separator: "+")[1])+\(Data([0x01] + key.rawPrivateKey).base64EncodedString())\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw StoreError(.keyInvalid, "cannot create the key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw StoreError(.keyInvalid, "cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key, refusing a file that others can read or write.
    public static func load(from path: String) throws -> LogKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError(
                .keyMissing,
                "no log key at \(path); it is created by `custodia init` beside the database (or pass --key PATH)")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw StoreError(
                .keyPermissions,
                "the key file \(path) has permissions \(String(mode, radix: 8)), readable by others; run `chmod 600 \(path)`")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StoreError(.keyInvalid, "cannot read the key file \(path)")
        }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let raw = Data(base64Encoded: String(parts[4])),
            raw.count == 33, raw.first == 0x01
        else {
            throw StoreError(.keyInvalid, "the key file \(path) is malformed; restore it from your backup")
        }
        let key = try LogKey(name: String(parts[2]), rawPrivateKey: [UInt8](raw.dropFirst()))
        guard key.verifierKey.split(separator: "+")[1] == parts[3] else {
            throw StoreError(
                .keyInvalid, "the key file \(path) is damaged (its key id does not match); restore it from your backup")
        }
        return key
    }
}
