/// What an `authorisation` event grants: an exception to the separation and issue rules of
/// the policy pack for one holder and everything under it, for a purpose the pack lists,
/// for a period, given by a named authority.
///
/// Example: missiles and launch mechanisms at site `SIT-07` for `training-firing` from
/// 2026-03-01 to 2026-03-15, authorised by `CMD-EAST`.
public struct Authorisation: Sendable, Equatable {
    /// The holder it covers, with its subtree (a site, a unit or a person).
    public var holder: String
    /// One of the pack's purposes.
    public var purpose: String
    /// First and last day in force (YYYY-MM-DD, UTC, both included).
    public var validFrom: String
    public var validUntil: String
    /// Who authorised it: a holder code (a unit, a person or an outside authority); never a
    /// name.
    public var authorisedBy: String

    public init(holder: String, purpose: String, validFrom: String, validUntil: String, authorisedBy: String) {
        self.holder = holder
        self.purpose = purpose
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.authorisedBy = authorisedBy
    }

    /// The purposes of the standard pack.
    public static let standardPurposes = ["training-firing", "lot-testing", "point-defence", "hostilities"]

    /// Whether it is in force at `time` (RFC 3339 UTC): its day lies within the period.
    public func inForce(at time: String) -> Bool {
        let day = Timestamp.day(of: time)
        return validFrom <= day && day <= validUntil
    }

    /// The members of `authorisation`, in canonical order.
    static let fields = ["authorisedBy", "holder", "purpose", "validFrom", "validUntil"]

    public var jsonValue: JSONValue {
        .object([
            ("authorisedBy", .string(authorisedBy)), ("holder", .string(holder)), ("purpose", .string(purpose)),
            ("validFrom", .string(validFrom)), ("validUntil", .string(validUntil)),
        ])
    }

    /// Reads the `authorisation` member of an event.
    public init(json value: JSONValue) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError("authorisation", "expected an object") }
        var found: [String: String] = [:]
        for (key, v) in object {
            guard Self.fields.contains(key) else {
                throw FieldError(
                    "authorisation.\(key)", "not a field of an authorisation; it has \(Self.fields.joined(separator: ", "))")
            }
            guard let s = v.stringValue else { throw FieldError("authorisation.\(key)", "expected a string") }
            found[key] = s
        }
        for key in Self.fields where found[key] == nil {
            throw FieldError("authorisation.\(key)", "missing; an authorisation has \(Self.fields.joined(separator: ", "))")
        }
        for key in ["holder", "authorisedBy"] where !HolderTree.isValidCode(found[key]!) {
            throw FieldError("authorisation.\(key)", "\"\(found[key]!)\" is not a holder code (1–40 letters, digits, - _ . /)")
        }
        for key in ["validFrom", "validUntil"] where !Timestamp.isDate(found[key]!) {
            throw FieldError("authorisation.\(key)", "\"\(found[key]!)\" is not a date; write YYYY-MM-DD")
        }
        self.init(
            holder: found["holder"]!, purpose: found["purpose"]!, validFrom: found["validFrom"]!,
            validUntil: found["validUntil"]!, authorisedBy: found["authorisedBy"]!)
        guard validFrom <= validUntil else {
            throw FieldError("authorisation.validUntil", "\(validUntil) is before validFrom \(validFrom); give the last day in force")
        }
    }
}
