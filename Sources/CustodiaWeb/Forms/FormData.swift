/// The fields of an `application/x-www-form-urlencoded` body (or a query string), decoded.
/// When a name repeats, the first value counts.
public enum FormData {
    public static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for item in QueryItem.parse(body) where fields[item.name] == nil {
            fields[item.name] = item.value
        }
        return fields
    }

    public static func parse(_ body: some Collection<UInt8>) -> [String: String] {
        parse(String(decoding: body, as: UTF8.self))
    }
}
