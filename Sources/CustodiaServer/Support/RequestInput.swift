import CustodiaCore
import Foundation
import Hummingbird

/// A request's query parameters, checked against what the endpoint takes: an unknown or
/// repeated parameter, an empty value or a value of the wrong type is a 400 problem that
/// names it.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ request: Request, allowed: [String]) throws {
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw Problem.badRequest(
                    allowed.isEmpty
                        ? "this endpoint takes no query parameters; remove \(name)"
                        : "unknown query parameter \(name); this endpoint takes \(allowed.joined(separator: ", "))")
            }
            guard values[name] == nil else {
                throw Problem.badRequest("the query parameter \(name) is given twice; give it once")
            }
            guard !value.isEmpty else {
                throw Problem.badRequest("the query parameter \(name) is empty; give a value or leave it out")
            }
            values[name] = String(value)
        }
    }

    func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let value = values[name] else { return nil }
        guard value.utf8.count <= maxLength else {
            throw Problem.badRequest("the query parameter \(name) is too long (at most \(maxLength) bytes)")
        }
        return value.precomposedStringWithCanonicalMapping
    }

    func code(_ name: String) throws -> String? {
        guard let value = values[name] else { return nil }
        guard HolderTree.isValidCode(value) else {
            throw Problem.badRequest("\(name) \"\(value.prefix(60))\" is not a holder code (1–40 letters, digits, - _ . /)")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let value = values[name] else { return nil }
        guard let n = Int64(value), range.contains(n) else {
            throw Problem.badRequest(
                "the query parameter \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(value.prefix(40))\""
            )
        }
        return n
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = values[name] else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default: throw Problem.badRequest("the query parameter \(name) must be true or false, not \"\(value.prefix(40))\"")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let value = values[name] else { return nil }
        guard let choice = T(rawValue: value) else {
            throw Problem.badRequest(
                "the query parameter \(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(value.prefix(40))\""
            )
        }
        return choice
    }

    /// `at`: a past moment of the register (a ledger entry, a day or a UTC time), not after
    /// `now`.
    func moment(now: String) throws -> RegisterMoment? {
        guard let value = try string("at", maxLength: 40) else { return nil }
        do {
            return try RegisterMoment(parsing: value).refusingFuture(now: now)
        } catch {
            throw Problem.badRequest("the query parameter \(error.description)")
        }
    }

    /// `limit` (1–1000, default 100).
    func limit() throws -> Int { Int(try int("limit", in: 1...1000) ?? 100) }
}

/// Reading JSON bodies.
enum RequestBody {
    /// The body parsed as JSON, at most `limit` bytes, sent as `application/json`.
    static func json(_ request: Request, limit: Int) async throws -> JSONValue {
        if let type = request.headers[.contentType] {
            let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard mediaType == "application/json" else {
                throw Problem.unsupportedMediaType("send the body as application/json (it was \(type.prefix(60)))")
            }
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.tooLarge("the body is \(length) bytes; this endpoint takes at most \(limit)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem.tooLarge("the body is larger than \(limit) bytes, the most this endpoint takes")
        }
        guard buffer.readableBytes > 0 else { throw Problem.invalidJSON("the body is empty; send a JSON document") }
        do {
            return try buffer.readableBytesView.withContiguousStorageIfAvailable { try JSONParser.parse($0) }
                ?? Array(buffer.readableBytesView).withUnsafeBufferPointer { try JSONParser.parse($0) }
        } catch let error as JSONParseError {
            throw Problem.invalidJSON(
                "\(error.description); Custodia's JSON has whole numbers only and no duplicate member names")
        }
    }

    /// The members of a JSON object with exactly the fields `required` (and optionally
    /// `optional`), each a string of at most `maxLength` bytes.
    static func stringFields(
        _ value: JSONValue, required: [String], optional: [String] = [], maxLength: Int = 1024
    ) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw Problem.badRequest("the body must be a JSON object with \((required + optional).joined(separator: ", "))")
        }
        var out: [String: String] = [:]
        for (key, v) in members {
            guard required.contains(key) || optional.contains(key) else {
                throw Problem.badRequest(
                    "unknown field \(key); the body has \((required + optional).joined(separator: ", "))",
                    errors: [.init(index: nil, field: key, message: "unknown field")])
            }
            guard case .string(let s) = v else {
                throw Problem.badRequest(
                    "\(key) must be a string, not \(v.typeName)",
                    errors: [.init(index: nil, field: key, message: "expected a string")])
            }
            guard s.utf8.count <= maxLength else { throw Problem.badRequest("\(key) is too long (at most \(maxLength) bytes)") }
            out[key] = s
        }
        for key in required where out[key] == nil {
            throw Problem.badRequest("\(key) is missing", errors: [.init(index: nil, field: key, message: "missing")])
        }
        return out
    }
}

extension Request {
    /// A path parameter that must be a positive whole number (an id or a seq).
    func number(_ name: String, context: CustodiaRequestContext, minimum: Int64 = 0) throws -> Int64 {
        let text = context.parameters.get(name) ?? ""
        guard let n = Int64(text), n >= minimum else {
            throw Problem.badRequest(
                "\(name) must be a whole number \(minimum == 0 ? "(0 or more)" : "(1 or more)"), not \"\(text.prefix(40))\"")
        }
        return n
    }
}
