import CustodiaCore

/// A field of a recording form. The raw value is both the HTML field name and the name of
/// the `Event` field it fills (the JSON API's names).
public enum RecordingField: String, CaseIterable, Sendable, Hashable {
    case document, from, to, items, manufacturer, lots, condition, reason, method, certificate, witnesses, licence
    case destinationCountry, dueBack, occurredAt, confirmedBy, note
}

/// How a field is entered.
public enum FieldInput: Sendable, Equatable {
    /// A holder code.
    case holder
    /// One line of text.
    case text
    /// Serials, one per line (`SERIAL`, or `SERIAL | MANUFACTURER | MODEL`).
    case serials
    /// Lots, one per line (`LOT QUANTITY`, or `LOT QUANTITY | MANUFACTURER`).
    case lots
    /// A date and time (UTC).
    case dateTime
    /// A date.
    case date
    /// One of the conditions.
    case condition
    /// One of the open dispatches, by document.
    case dispatch
    /// Holder codes separated by spaces, commas or lines.
    case codes
    /// Free text over several lines.
    case longText
}

/// One field of a form: which, how it is entered, and whether it must be filled.
public struct FieldSpec: Sendable, Equatable {
    public let field: RecordingField
    public let input: FieldInput
    public let required: Bool
}

/// The form of one kind of recording: which fields, in which order, which are required.
///
/// One generic definition per kind drives the form page, the validator and the
/// confirmation page alike. Every kind needs at least one serial or lot; `condition`
/// takes serials only.
public struct RecordingForm: Sendable {
    public let kind: EventKind
    public let fields: [FieldSpec]

    /// The kinds recorded through the web forms, in menu order.
    public static let kinds: [EventKind] = [
        .issue, .return, .dispatch, .receive, .condition, .loss, .theft, .recovery, .surrender, .destroy, .export,
    ]

    /// The most serials (and the most lot lines) one form records.
    public static let maxLines = 500

    /// The most bytes of one text field (the event format's limit).
    public static let maxTextBytes = 1000

    public func has(_ field: RecordingField) -> Bool { fields.contains { $0.field == field } }
    public func spec(_ field: RecordingField) -> FieldSpec? { fields.first { $0.field == field } }

    /// Whether the form takes lots as well as serials.
    public var takesLots: Bool { has(.lots) }

    /// The definition for `kind`; kinds outside `kinds` get the issue form's shape only
    /// for safety and are refused by the validator.
    public static func definition(for kind: EventKind) -> RecordingForm {
        func f(_ field: RecordingField, _ input: FieldInput, required: Bool = false) -> FieldSpec {
            FieldSpec(field: field, input: input, required: required)
        }
        let from = f(.from, .holder, required: true)
        let to = f(.to, .holder, required: true)
        let goods = [f(.items, .serials), f(.manufacturer, .text), f(.lots, .lots)]
        let occurred = f(.occurredAt, .dateTime)
        let confirmed = f(.confirmedBy, .codes)
        let note = f(.note, .longText)
        let fields: [FieldSpec]
        switch kind {
        case .issue:
            fields = [from, to] + goods + [f(.document, .text, required: true), f(.dueBack, .date), occurred, confirmed, note]
        case .return, .dispatch:
            fields = [from, to] + goods + [f(.document, .text, required: true), occurred, confirmed, note]
        case .receive:
            fields = [f(.document, .dispatch, required: true)] + goods + [occurred, confirmed, note]
        case .condition:
            fields = [
                from, f(.items, .serials, required: true), f(.manufacturer, .text), f(.condition, .condition, required: true),
                f(.reason, .text), f(.document, .text), occurred, note,
            ]
        case .loss, .theft:
            fields = [from] + goods + [f(.document, .text), f(.reason, .text), occurred, note]
        case .recovery:
            fields = [to] + goods + [f(.document, .text), f(.reason, .text), occurred, note]
        case .surrender:
            fields = [to, f(.from, .holder)] + goods + [f(.document, .text), f(.reason, .text), occurred, note]
        case .destroy:
            fields =
                [from, f(.to, .holder)] + goods + [
                    f(.method, .text, required: true), f(.certificate, .text), f(.witnesses, .codes), f(.document, .text),
                    occurred, confirmed, note,
                ]
        case .export:
            fields =
                [from, f(.to, .holder, required: true)] + goods + [
                    f(.licence, .text, required: true), f(.destinationCountry, .text, required: true), f(.document, .text),
                    occurred, confirmed, note,
                ]
        default:
            fields = [from, to] + goods + [f(.document, .text), occurred, note]
        }
        return RecordingForm(kind: kind, fields: fields)
    }
}
