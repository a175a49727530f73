import Foundation
import Testing

/// The OpenAPI document as the tests read it, and a JSON Schema validator for the subset
/// of JSON Schema the document uses (type, properties, required, additionalProperties,
/// items, enum, oneOf, $ref, minimum/maximum, minLength/maxLength, pattern,
/// minItems/maxItems).
struct OpenAPIContract: Sendable {
    let document: [String: any Sendable]

    static let shared: OpenAPIContract = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CustodiaServer/OpenAPI/openapi.yaml")
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            guard let document = try YAMLSubset.parse(text) as? [String: Any] else { fatalError("openapi.yaml is not a mapping") }
            return OpenAPIContract(document: sendable(document) as! [String: any Sendable])
        } catch {
            fatalError("openapi.yaml cannot be read: \(error)")
        }
    }()

    private static func sendable(_ value: Any) -> any Sendable {
        switch value {
        case let d as [String: Any]: return d.mapValues { sendable($0) }
        case let a as [Any]: return a.map { sendable($0) }
        case let s as String: return s
        case let b as Bool: return b
        case let i as Int: return i
        default: return "null"
        }
    }

    var paths: [String: any Sendable] { document["paths"] as? [String: any Sendable] ?? [:] }

    /// Every documented (method, path) pair, methods upper-case.
    var operations: Set<String> {
        var out: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: any Sendable] ?? [:]).keys
            where ["get", "post", "put", "patch", "delete", "head"].contains(method) {
                out.insert("\(method.uppercased()) \(path)")
            }
        }
        return out
    }

    /// The documented path template a concrete path matches (`{x}` matches one segment;
    /// a final `{tilePath}` of `/tlog/tile/` matches the rest).
    func template(for path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for template in paths.keys.sorted() {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            if template.hasPrefix("/tlog/tile/"), path.hasPrefix("/tlog/tile/") { return template }
            guard parts.count == segments.count else { continue }
            if zip(parts, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return template }
        }
        return nil
    }

    func resolve(_ value: any Sendable) -> [String: any Sendable] {
        guard let object = value as? [String: any Sendable] else { return [:] }
        guard let ref = object["$ref"] as? String else { return object }
        var node: any Sendable = document
        for part in ref.dropFirst(2).split(separator: "/") {
            node = (node as? [String: any Sendable])?[String(part)] ?? [String: any Sendable]()
        }
        return resolve(node)
    }

    /// The documented response for a status, or nil when the status is not documented.
    func response(method: String, template: String, status: Int) -> [String: any Sendable]? {
        guard let item = paths[template] as? [String: any Sendable],
            let operation = item[method.lowercased()] as? [String: any Sendable],
            let responses = operation["responses"] as? [String: any Sendable],
            let response = responses[String(status)]
        else { return nil }
        return resolve(response)
    }

    /// Checks a response against the document: its status is documented for the operation,
    /// its content type is one of the documented ones, and a JSON body validates against the
    /// documented schema. Returns what does not match.
    func check(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let template = template(for: path) else { return ["\(path) matches no documented path"] }
        guard let response = response(method: method, template: template, status: status) else {
            return ["\(method) \(template) does not document status \(status)"]
        }
        guard let content = response["content"] as? [String: any Sendable] else {
            return body.isEmpty ? [] : ["\(method) \(template) \(status) documents no body but one was sent"]
        }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[mediaType] as? [String: any Sendable] else {
            return ["\(method) \(template) \(status) sent \(mediaType), documented \(content.keys.sorted())"]
        }
        guard mediaType.hasSuffix("json"), let schema = media["schema"] else { return [] }
        guard let json = try? JSONSerialization.jsonObject(with: body, options: .fragmentsAllowed) else {
            return ["\(method) \(template) \(status): the body is not JSON"]
        }
        return validate(json, schema, at: "$").map { "\(method) \(template) \(status): \($0)" }
    }

    func validate(_ value: Any, _ schemaValue: any Sendable, at path: String) -> [String] {
        let schema = resolve(schemaValue)
        var errors: [String] = []
        if let options = schema["oneOf"] as? [any Sendable] {
            let matching = options.filter { validate(value, $0, at: path).isEmpty }
            if matching.count != 1 { errors.append("\(path) matches \(matching.count) of the oneOf schemas, not 1") }
        }
        if let type = schema["type"] {
            let types = (type as? [any Sendable])?.compactMap { $0 as? String } ?? [(type as? String) ?? ""]
            guard types.contains(where: { Self.isType(value, $0) }) else {
                return errors + ["\(path) is \(Self.typeName(value)), expected \(types.joined(separator: " or "))"]
            }
        }
        if let allowed = schema["enum"] as? [any Sendable] {
            if !allowed.contains(where: { "\($0)" == "\(value)" }) { errors.append("\(path) = \(value) is not in the enum") }
        }
        if let s = value as? String {
            if let min = schema["minLength"] as? Int, s.count < min { errors.append("\(path) is shorter than \(min)") }
            if let max = schema["maxLength"] as? Int, s.count > max { errors.append("\(path) is longer than \(max)") }
            if let pattern = schema["pattern"] as? String, s.range(of: pattern, options: .regularExpression) == nil {
                errors.append("\(path) = \(s) does not match \(pattern)")
            }
        }
        if let n = value as? Int, !Self.isType(value, "boolean") {
            if let min = schema["minimum"] as? Int, n < min { errors.append("\(path) = \(n) is below \(min)") }
            if let max = schema["maximum"] as? Int, n > max { errors.append("\(path) = \(n) is above \(max)") }
        }
        if let array = value as? [Any] {
            if let min = schema["minItems"] as? Int, array.count < min { errors.append("\(path) has fewer than \(min) items") }
            if let max = schema["maxItems"] as? Int, array.count > max { errors.append("\(path) has more than \(max) items") }
            if let items = schema["items"] {
                for (n, element) in array.enumerated() { errors += validate(element, items, at: "\(path)[\(n)]") }
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: any Sendable] ?? [:]
            for key in schema["required"] as? [any Sendable] ?? [] {
                if let k = key as? String, object[k] == nil { errors.append("\(path).\(k) is missing") }
            }
            for (key, member) in object {
                if let property = properties[key] {
                    errors += validate(member, property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool {
                        if !allowed { errors.append("\(path).\(key) is not a documented property") }
                    } else {
                        errors += validate(member, additional, at: "\(path).\(key)")
                    }
                }
            }
        }
        return errors
    }

    static func isType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        // JSONSerialization gives NSNumber for both numbers and booleans; booleans are its
        // boolean subclass.
        case "boolean":
            let name = String(describing: Swift.type(of: value))
            return name == "Bool" || name.contains("Boolean")
        case "integer":
            guard let n = value as? NSNumber, !isType(value, "boolean") else { return false }
            return n.doubleValue == n.doubleValue.rounded()
        case "number": return value is NSNumber && !isType(value, "boolean")
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    static func typeName(_ value: Any) -> String {
        for t in ["null", "boolean", "integer", "number", "string", "array", "object"] where isType(value, t) { return t }
        return "\(Swift.type(of: value))"
    }
}
