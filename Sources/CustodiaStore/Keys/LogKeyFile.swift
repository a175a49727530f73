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
        try KeyFile.create(
            path: path, name: key.name, verifierKey: key.verifierKey, type: 0x01, seed: key.rawPrivateKey,
            what: "log key")
    }

    /// Reads a key, refusing a file that others can read or write.
    public static func load(from path: String) throws -> LogKey {
        let (name, seed, keyID) = try KeyFile.load(
            path: path, type: 0x01, what: "log key",
            missing: "no log key at \(path); it is created by `custodia init` beside the database (or pass --key PATH)")
        let key = try LogKey(name: name, rawPrivateKey: seed)
        guard key.verifierKey.split(separator: "+")[1] == keyID else {
            throw StoreError(
                .keyInvalid, "the key file \(path) is damaged (its key id does not match); restore it from your backup")
        }
        return key
    }
}

/// A witness's Ed25519 cosigning key in a file, mode 0600, in the same one-line format with
/// the cosignature type: `PRIVATE+KEY+<name>+<hex key id>+<base64(0x04 ‖ 32-byte seed)>`.
public enum WitnessKeyFile {
    /// The key at `path`; a new one named `name` when there is no file yet (and a name).
    public static func loadOrCreate(path: String, name: String?) throws -> CosignerKey {
        if FileManager.default.fileExists(atPath: path) {
            let (stored, seed, keyID) = try KeyFile.load(path: path, type: 0x04, what: "witness key", missing: "")
            if let name, name != stored {
                throw StoreError(
                    .keyInvalid, "the witness key in \(path) is named \(stored), not \(name); omit --name or use another --key")
            }
            let key = try CosignerKey(name: stored, rawPrivateKey: seed)
            guard key.verifierKey.split(separator: "+")[1] == keyID else {
                throw StoreError(.keyInvalid, "the key file \(path) is damaged (its key id does not match); restore it")
            }
            return key
        }
        guard let name else {
            throw StoreError(
                .keyMissing, "no witness key at \(path); give --name (e.g. witness.example.org/w1) to create one")
        }
        let key = try CosignerKey.generate(name: name)
        try KeyFile.create(
            path: path, name: key.name, verifierKey: key.verifierKey, type: 0x04, seed: key.rawPrivateKey, what: "witness key")
        return key
    }
}

/// The one-line key file both kinds of key use.
enum KeyFile {
    static func create(path: String, name: String, verifierKey: String, type: UInt8, seed: [UInt8], what: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.keyInvalid, "the key file \(path) already exists; Custodia never overwrites a \(what)")
        }
        let line =
            "PRIVATE+KEY+\(name)+\(verifierKey.split(separator: "+")[1])+\(Data([type] + seed).base64EncodedString())\n"
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

    /// The name, the 32-byte seed and the hex key id of the key file at `path`.
    static func load(path: String, type: UInt8, what: String, missing: String) throws -> (String, [UInt8], Substring) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw StoreError(.keyMissing, missing.isEmpty ? "no \(what) at \(path)" : missing)
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
            raw.count == 33, raw.first == type
        else {
            throw StoreError(.keyInvalid, "the key file \(path) is not a \(what); restore it from your backup")
        }
        return (String(parts[2]), [UInt8](raw.dropFirst()), parts[3])
    }
}
