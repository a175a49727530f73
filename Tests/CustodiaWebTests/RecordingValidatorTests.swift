import CustodiaCore
import Testing

@testable import CustodiaWeb

/// A form submission and the event it must produce.
struct ValidCase: Sendable, CustomTestStringConvertible {
    let name: String
    let kind: EventKind
    let fields: [String: String]
    let expected: Event
    var testDescription: String { name }
}

/// A form submission and the error it must produce: on which field, and its words in
/// Spanish and English (a part of the text that says what is wrong).
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let kind: EventKind
    let fields: [String: String]
    let field: RecordingField?
    let es: String
    let en: String
    var scope: HolderScope = .everything
    var testDescription: String { name }
}

func event(
    _ kind: EventKind, _ occurredAt: String = Fixture.now, from: String? = nil, to: String? = nil,
    items: [(String, String, String)] = [], lots: [(String, String, Int64)] = [], _ configure: (inout Event) -> Void = { _ in }
) -> Event {
    var e = Event(kind: kind, occurredAt: occurredAt)
    e.from = from
    e.to = to
    e.items = items.map { .marking(manufacturer: $0.1, serial: $0.0, model: $0.2) }
    e.lots = lots.map { LotReference(lot: $0.0, manufacturer: $0.1, quantity: $0.2) }
    configure(&e)
    return e
}

let kc = "Kalashnikov Concern"

let validCases: [ValidCase] = [
    ValidCase(
        name: "issue three rifles with a due date, day-first time in Spanish", kind: .issue,
        fields: [
            "from": "DEP-N1-01", "to": "U-7", "items": "AK-0001\r\nAK-0002\r\n  AK-0003  \r\n\r\n", "document": "VO-2026-0001",
            "dueBack": "01/12/2026", "occurredAt": "22/11/2026 10:00", "note": "Ejercicio",
        ],
        expected: event(
            .issue, "2026-11-22T10:00:00Z", from: "DEP-N1-01", to: "U-7",
            items: [("AK-0001", kc, "AK-74M"), ("AK-0002", kc, "AK-74M"), ("AK-0003", kc, "AK-74M")]
        ) {
            $0.document = "VO-2026-0001"
            $0.dueBack = "2026-12-01"
            $0.note = "Ejercicio"
        }),
    ValidCase(
        name: "return an item and ammunition; blank time is now", kind: .return,
        fields: ["from": "U-7", "to": "DEP-N1-01", "items": "AK-0004", "lots": "762-2019-04 300", "document": "RV-1"],
        expected: event(
            .return, from: "U-7", to: "DEP-N1-01", items: [("AK-0004", kc, "AK-74M")], lots: [("762-2019-04", "Arsenal", 300)]
        ) { $0.document = "RV-1" }),
    ValidCase(
        name: "dispatch with a grouped quantity and a datetime-local time", kind: .dispatch,
        fields: [
            "from": "DEP-N1-01", "to": "DEP-S-01", "items": "AK-0001", "lots": "762-2019-04 1.200", "document": "TR-2026-0100",
            "occurredAt": "2026-11-21T07:30",
        ],
        expected: event(
            .dispatch, "2026-11-21T07:30:00Z", from: "DEP-N1-01", to: "DEP-S-01", items: [("AK-0001", kc, "AK-74M")],
            lots: [("762-2019-04", "Arsenal", 1200)]
        ) { $0.document = "TR-2026-0100" }),
    ValidCase(
        name: "receive the open dispatch chosen by its document", kind: .receive,
        fields: ["document": "TR-2026-0007", "items": "AK-0020", "lots": "762-2019-04 1150"],
        expected: event(
            .receive, from: "DEP-S-01", to: "DEP-N1-01", items: [("AK-0020", kc, "AK-74M")],
            lots: [("762-2019-04", "Arsenal", 1150)]
        ) { $0.document = "TR-2026-0007" }),
    ValidCase(
        name: "condition with a reason", kind: .condition,
        fields: ["from": "DEP-N1-01", "items": "AK-0002", "condition": "unserviceable", "reason": "cañón dañado"],
        expected: event(.condition, from: "DEP-N1-01", items: [("AK-0002", kc, "AK-74M")]) {
            $0.condition = .unserviceable
            $0.reason = "cañón dañado"
        }),
    ValidCase(
        name: "loss report", kind: .loss,
        fields: ["from": "DEP-N1-01", "items": "AK-0003", "document": "PL-1", "reason": "extraviado en maniobras"],
        expected: event(.loss, from: "DEP-N1-01", items: [("AK-0003", kc, "AK-74M")]) {
            $0.document = "PL-1"
            $0.reason = "extraviado en maniobras"
        }),
    ValidCase(
        name: "theft of an item and rounds from a unit", kind: .theft,
        fields: ["from": "U-7", "items": "AK-0004", "lots": "762-2019-04 10"],
        expected: event(.theft, from: "U-7", items: [("AK-0004", kc, "AK-74M")], lots: [("762-2019-04", "Arsenal", 10)])),
    ValidCase(
        name: "recovery of a missing rifle and a missing pistol", kind: .recovery,
        fields: ["to": "DEP-N1-01", "items": "AK-0009\nGL-0007", "reason": "hallados"],
        expected: event(.recovery, to: "DEP-N1-01", items: [("AK-0009", kc, "AK-74M"), ("GL-0007", "Glock", "17")]) {
            $0.reason = "hallados"
        }),
    ValidCase(
        name: "surrender of a missing rifle without from", kind: .surrender,
        fields: ["to": "DEP-N1-01", "items": "AK-0009", "document": "DDR-1"],
        expected: event(.surrender, to: "DEP-N1-01", items: [("AK-0009", kc, "AK-74M")]) { $0.document = "DDR-1" }),
    ValidCase(
        name: "destroy with witnesses, a per-line manufacturer and a lower-case code", kind: .destroy,
        fields: [
            "from": "DEP-N1-01", "to": "EXT-DESTR", "items": "123 | FN Herstal", "method": "corte", "certificate": "CD-1",
            "witnesses": "P-000123, P-000124", "confirmedBy": "p-000124",
        ],
        expected: event(.destroy, from: "DEP-N1-01", to: "EXT-DESTR", items: [("123", "FN Herstal", "FAL")]) {
            $0.method = "corte"
            $0.certificate = "CD-1"
            $0.witnesses = ["P-000123", "P-000124"]
            $0.confirmedBy = ["P-000124"]
        }),
    ValidCase(
        name: "export naming the model on the line", kind: .export,
        fields: [
            "from": "DEP-N1-01", "to": "EXT-PE", "items": "HK-1 | heckler & koch | MP7", "licence": "LIC-9",
            "destinationCountry": "PE",
        ],
        expected: event(.export, from: "DEP-N1-01", to: "EXT-PE", items: [("HK-1", "Heckler & Koch", "MP7")]) {
            $0.licence = "LIC-9"
            $0.destinationCountry = "PE"
        }),
    ValidCase(
        name: "the manufacturer field settles a shared serial", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "123", "manufacturer": "imbel", "document": "VO-2"],
        expected: event(.issue, from: "DEP-N1-01", to: "U-7", items: [("123", "IMBEL", "FAL")]) { $0.document = "VO-2" }),
]

let errorCases: [ErrorCase] = [
    ErrorCase(
        name: "issuing a missing rifle", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0009", "document": "VO-1"], field: .items,
        es: "El fusil de asalto AK-0009 (Kalashnikov Concern AK-74M) figura como desaparecido; no se puede entregar.",
        en: "The assault rifle AK-0009 (Kalashnikov Concern AK-74M) is missing; it cannot be issued."),
    ErrorCase(
        name: "issuing a missing pistol agrees in gender", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "GL-0007", "document": "VO-1"], field: .items,
        es: "La pistola GL-0007 (Glock 17) figura como desaparecida; no se puede entregar.",
        en: "The pistol GL-0007 (Glock 17) is missing; it cannot be issued."),
    ErrorCase(
        name: "dispatching a destroyed rifle", kind: .dispatch,
        fields: ["from": "DEP-N1-01", "to": "DEP-S-01", "items": "AK-0010", "document": "TR-9"], field: .items,
        es: "figura como destruido; no se puede enviar", en: "is destroyed; it cannot be dispatched"),
    ErrorCase(
        name: "issuing from a holder who does not hold it", kind: .issue,
        fields: ["from": "U-7", "to": "P-000123", "items": "AK-0001", "document": "VO-1"], field: .items,
        es: "está en poder de DEP-N1-01, no de U-7.", en: "is held by DEP-N1-01, not by U-7."),
    ErrorCase(
        name: "issuing an item in transit", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0020", "document": "VO-1"], field: .items,
        es: "está en tránsito (envío TR-2026-0007); no se puede entregar hasta que se reciba.",
        en: "is in transit (dispatch TR-2026-0007); it cannot be issued until it is received."),
    ErrorCase(
        name: "an unknown serial", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "ZZ-1", "document": "VO-1"], field: .items,
        es: "No hay ningún artículo con el número de serie ZZ-1 en su ámbito.", en: "No item with serial ZZ-1 in your scope."),
    ErrorCase(
        name: "a serial shared by two manufacturers", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "123", "document": "VO-1"], field: .items,
        es: "corresponde a artículos de varios fabricantes (FN Herstal, IMBEL); indique el fabricante",
        en: "belongs to items of several manufacturers (FN Herstal, IMBEL); give the manufacturer"),
    ErrorCase(
        name: "a serial shared by two models", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "HK-1", "document": "VO-1"], field: .items,
        es: "corresponde a varios modelos (MP5, MP7)", en: "belongs to several models (MP5, MP7)"),
    ErrorCase(
        name: "a manufacturer that has no such serial", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001", "manufacturer": "Glock", "document": "VO-1"],
        field: .items, es: "número de serie AK-0001 del fabricante Glock", en: "serial AK-0001 by Glock"),
    ErrorCase(
        name: "an unknown holder", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-99", "items": "AK-0001", "document": "VO-1"], field: .to,
        es: "No hay ningún titular con el código U-99 en su ámbito", en: "No holder has the code U-99 in your scope"),
    ErrorCase(
        name: "a holder outside the scope looks unknown", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "DEP-S-01", "items": "AK-0001", "document": "VO-9"], field: .to,
        es: "No hay ningún titular con el código DEP-S-01 en su ámbito", en: "No holder has the code DEP-S-01 in your scope",
        scope: Fixture.zoneScope),
    ErrorCase(
        name: "an item outside the scope looks unknown", kind: .condition,
        fields: ["from": "DEP-N1-01", "items": "AK-SUR-1", "condition": "surplus"], field: .items,
        es: "No hay ningún artículo con el número de serie AK-SUR-1 en su ámbito",
        en: "No item with serial AK-SUR-1 in your scope",
        scope: Fixture.zoneScope),
    ErrorCase(
        name: "a closed receiving holder", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-CLOSED", "items": "AK-0001", "document": "VO-1"], field: .to,
        es: "El titular U-CLOSED está cerrado", en: "Holder U-CLOSED is closed"),
    ErrorCase(
        name: "from and to the same", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "DEP-N1-01", "items": "AK-0001", "document": "VO-1"], field: .to,
        es: "El origen y el destino son el mismo titular (DEP-N1-01).", en: "From and to are the same holder (DEP-N1-01)."),
    ErrorCase(
        name: "a holder code with a space", kind: .issue,
        fields: ["from": "DEP N1", "to": "U-7", "items": "AK-0001", "document": "VO-1"], field: .from,
        es: "«DEP N1» no es un código de titular", en: "“DEP N1” is not a holder code"),
    ErrorCase(
        name: "a date that does not exist", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001", "document": "VO-1", "dueBack": "31/02/2027"],
        field: .dueBack, es: "«31/02/2027» no es una fecha válida", en: "“31/02/2027” is not a valid date"),
    ErrorCase(
        name: "a time that cannot be read", kind: .loss,
        fields: ["from": "DEP-N1-01", "items": "AK-0001", "occurredAt": "ayer"], field: .occurredAt,
        es: "«ayer» no es una fecha y hora válida", en: "“ayer” is not a valid date and time"),
    ErrorCase(
        name: "a time in the future", kind: .loss,
        fields: ["from": "DEP-N1-01", "items": "AK-0001", "occurredAt": "2027-01-01 10:00"], field: .occurredAt,
        es: "La fecha es posterior a ahora (22/11/2026 14:05 UTC)", en: "This is later than now (2026-11-22 14:05 UTC)"),
    ErrorCase(
        name: "due back before the issue", kind: .issue,
        fields: [
            "from": "DEP-N1-01", "to": "U-7", "items": "AK-0001", "document": "VO-1", "occurredAt": "2026-11-20T10:00",
            "dueBack": "2026-11-19",
        ],
        field: .dueBack, es: "es anterior a la del hecho (20/11/2026)", en: "is before the date it happened (2026-11-20)"),
    ErrorCase(
        name: "an empty required field", kind: .issue,
        fields: ["to": "U-7", "items": "AK-0001", "document": "VO-1"], field: .from, es: "Este campo es obligatorio.",
        en: "This field is required."),
    ErrorCase(
        name: "an issue needs its voucher", kind: .issue, fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001"],
        field: .document, es: "Este campo es obligatorio.", en: "This field is required."),
    ErrorCase(
        name: "destroy needs a method", kind: .destroy, fields: ["from": "DEP-N1-01", "items": "AK-0001"], field: .method,
        es: "Este campo es obligatorio.", en: "This field is required."),
    ErrorCase(
        name: "nothing to move", kind: .loss, fields: ["from": "DEP-N1-01", "items": " \n "], field: .items,
        es: "Indique al menos un número de serie o un lote.", en: "Give at least one serial or one lot."),
    ErrorCase(
        name: "more than 500 serials", kind: .issue,
        fields: [
            "from": "DEP-N1-01", "to": "U-7", "document": "VO-1",
            "items": (1...501).map { "S-\($0)" }.joined(separator: "\n"),
        ],
        field: .items, es: "Hay 501 líneas; como máximo 500 por registro.", en: "There are 501 lines; at most 500 per record."),
    ErrorCase(
        name: "a serial listed twice", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001\nAK-0001", "document": "VO-1"], field: .items,
        es: "El número de serie AK-0001 figura dos veces.", en: "Serial AK-0001 is listed twice."),
    ErrorCase(
        name: "a serial line with too many parts", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "A | B | C | D", "document": "VO-1"], field: .items,
        es: "No se entiende la línea «A | B | C | D»", en: "Cannot read the line “A | B | C | D”"),
    ErrorCase(
        name: "more rounds than the holder has", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "lots": "762-2019-04 6000", "document": "VO-1"], field: .lots,
        es: "DEP-N1-01 tiene 5000 del lote 762-2019-04; no se pueden mover 6000.",
        en: "DEP-N1-01 holds 5,000 of lot 762-2019-04; 6,000 cannot be moved."),
    ErrorCase(
        name: "a lot number shared by two manufacturers", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "lots": "545-2020-01 10", "document": "VO-1"], field: .lots,
        es: "Hay lotes 545-2020-01 de varios fabricantes (Barnaul, Tula)",
        en: "There are lots 545-2020-01 of several manufacturers (Barnaul, Tula)"),
    ErrorCase(
        name: "a lot line without quantity", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "lots": "762-2019-04", "document": "VO-1"], field: .lots,
        es: "No se entiende la línea «762-2019-04»", en: "Cannot read the line “762-2019-04”"),
    ErrorCase(
        name: "an unknown lot", kind: .issue,
        fields: ["from": "DEP-N1-01", "to": "U-7", "lots": "999-X 5", "document": "VO-1"], field: .lots,
        es: "No hay ningún lote 999-X.", en: "There is no lot 999-X."),
    ErrorCase(
        name: "receiving an unknown dispatch", kind: .receive, fields: ["document": "TR-X", "items": "AK-0020"],
        field: .document, es: "No hay ningún envío con el documento TR-X", en: "No dispatch with document TR-X"),
    ErrorCase(
        name: "receiving a dispatch already received", kind: .receive, fields: ["document": "TR-2026-0001", "items": "AK-0020"],
        field: .document, es: "El envío TR-2026-0001 ya se recibió por completo",
        en: "Dispatch TR-2026-0001 has been received in full"),
    ErrorCase(
        name: "receiving an item that is not on the dispatch", kind: .receive,
        fields: ["document": "TR-2026-0007", "items": "AK-0001"], field: .items,
        es: "no está en tránsito con el envío TR-2026-0007", en: "is not in transit on dispatch TR-2026-0007"),
    ErrorCase(
        name: "receiving more rounds than are in transit", kind: .receive,
        fields: ["document": "TR-2026-0007", "lots": "762-2019-04 1300"], field: .lots,
        es: "El envío TR-2026-0007 tiene 1200 del lote 762-2019-04 en tránsito; no se pueden recibir 1300.",
        en: "Dispatch TR-2026-0007 has 1,200 of lot 762-2019-04 in transit; 1,300 cannot be received."),
    ErrorCase(
        name: "a dispatch document used before", kind: .dispatch,
        fields: ["from": "DEP-N1-01", "to": "DEP-S-01", "items": "AK-0001", "document": "TR-2026-0007"], field: .document,
        es: "Ya hay un envío con el documento TR-2026-0007 (asiento #700)",
        en: "A dispatch with document TR-2026-0007 already exists (entry #700)"),
    ErrorCase(
        name: "an export to a unit", kind: .export,
        fields: ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001", "licence": "L", "destinationCountry": "PE"], field: .to,
        es: "U-7 es de tipo «Unidad», no una parte externa", en: "U-7 is of kind “Unit”, not an external party"),
    ErrorCase(
        name: "recovering an item that is not missing", kind: .recovery, fields: ["to": "DEP-N1-01", "items": "AK-0001"],
        field: .items, es: "no figura como desaparecido (situación: En custodia)", en: "is not missing (status: Held)"),
    ErrorCase(
        name: "a condition that does not exist", kind: .condition,
        fields: ["from": "DEP-N1-01", "items": "AK-0001", "condition": "broken"], field: .condition,
        es: "«broken» no es un estado de servicio", en: "“broken” is not a condition"),
    ErrorCase(
        name: "surrendering a held item without naming from", kind: .surrender,
        fields: ["to": "DEP-N1-01", "items": "AK-0004"], field: .items,
        es: "está en poder de U-7; para registrar su entrega voluntaria, indique U-7 como origen",
        en: "is held by U-7; to record its surrender, give U-7 as from"),
    ErrorCase(
        name: "an unknown witness", kind: .destroy,
        fields: ["from": "DEP-N1-01", "items": "AK-0001", "method": "corte", "witnesses": "P-000123 P-999"], field: .witnesses,
        es: "No hay ningún titular con el código P-999", en: "No holder has the code P-999"),
    ErrorCase(
        name: "an over-long note", kind: .loss,
        fields: ["from": "DEP-N1-01", "items": "AK-0001", "note": String(repeating: "x", count: 1001)], field: .note,
        es: "como máximo 1000 bytes", en: "at most 1,000 bytes"),
    ErrorCase(
        name: "a kind the forms do not record", kind: .register, fields: [:], field: nil,
        es: "Este formulario no registra eventos de tipo «Alta».", en: "This form does not record “Registration” events."),
]

@Suite struct RecordingValidatorTests {
    @Test(arguments: validCases)
    func aValidFormGivesTheEventTheAPITakes(_ c: ValidCase) async throws {
        let result = try await Fixture.validator().validate(kind: c.kind, fields: c.fields)
        let recording = try #require(result.recording, "errors: \(result.errors.byField)")
        #expect(recording.event == c.expected)
        // What the form produces is what the JSON API parses.
        #expect(try Event(json: recording.event.jsonValue) == recording.event)
    }

    @Test(arguments: validCases)
    func theConfirmationFieldsRecordTheSameEventAgain(_ c: ValidCase) async throws {
        let validator = Fixture.validator()
        let first = try #require(try await validator.validate(kind: c.kind, fields: c.fields).recording)
        let fields = Dictionary(uniqueKeysWithValues: first.fields.map { ($0.name, $0.value) })
        let second = try #require(try await validator.validate(kind: c.kind, fields: fields).recording)
        #expect(second.event == first.event)
    }

    @Test(arguments: errorCases, Language.allCases)
    func anInvalidFormSaysWhatIsWrongOnTheField(_ c: ErrorCase, _ language: Language) async throws {
        let result = try await Fixture.validator(scope: c.scope, language: language).validate(kind: c.kind, fields: c.fields)
        #expect(result.recording == nil)
        let errors = result.errors
        let messages = c.field.map { errors[$0] } ?? errors.general
        let texts = messages.map { Messages(language)($0) }
        let wanted = language == .es ? c.es : c.en
        #expect(texts.contains { $0.contains(wanted) }, "\(c.name): \(errors.byField)")
    }

    @Test func everyErrorOfAFormIsReportedAtOnce() async throws {
        let result = try await Fixture.validator().validate(
            kind: .issue, fields: ["from": "U-99", "to": "U-7", "items": "AK-0009\nZZ-1", "dueBack": "nunca"])
        let errors = result.errors
        #expect(errors.fields == [.from, .items, .document, .dueBack])
        #expect(errors[.items].count == 2)
    }

    @Test func englishRefusesAmbiguousDayFirstDates() async throws {
        let fields = ["from": "DEP-N1-01", "to": "U-7", "items": "AK-0001", "document": "VO-1", "dueBack": "01/12/2026"]
        let en = try await Fixture.validator(language: .en).validate(kind: .issue, fields: fields)
        #expect(en.errors[.dueBack].first?.key == "error.invalidDate")
        let es = try await Fixture.validator(language: .es).validate(kind: .issue, fields: fields)
        #expect(es.recording?.event.dueBack == "2026-12-01")
    }

    @Test func aStoreRefusalLandsOnTheFieldItNames() {
        let errors = FormErrors.refusal(field: "items[2]", reason: "AK-1 is missing")
        #expect(errors[.items].first == Message("error.refused", ["reason": .text("AK-1 is missing")]))
        #expect(FormErrors.refusal(field: "lots[0].quantity", reason: "x").fields == [.lots])
        #expect(FormErrors.refusal(field: "", reason: "x").general.count == 1)
        #expect(Messages(.es)(errors[.items][0]) == "El registro rechazó el evento: AK-1 is missing")
    }

    @Test func aReceiveFormOffersWhatTheScopeMaySee() async throws {
        // A user of zone 1 sees the dispatch to DEP-N1-01 and the rifle on it, although the
        // rifle is on the books of the sending depot in the south.
        let resolver = FakeResolver(
            items: Fixture.items.map {
                var r = $0
                if r.marking.serial == "AK-0020" { r.state.account = "DEP-S-01" }
                return r
            })
        let validator = Fixture.validator(scope: Fixture.zoneScope, resolver: resolver)
        let ok = try await validator.validate(kind: .receive, fields: ["document": "TR-2026-0007", "items": "AK-0020"])
        #expect(ok.recording?.event.to == "DEP-N1-01")
        // The dispatch going south is not addressed to the zone.
        let other = try await validator.validate(kind: .receive, fields: ["document": "TR-2026-0008", "items": "AK-0021"])
        #expect(other.errors[.document].first?.key == "error.unknownDispatch")
    }

    @Test func everyFormKindHasADefinitionThatNeedsGoods() {
        for kind in RecordingForm.kinds {
            let form = RecordingForm.definition(for: kind)
            #expect(form.has(.items), "\(kind)")
            #expect(form.has(.occurredAt), "\(kind)")
            #expect(Set(form.fields.map(\.field)).count == form.fields.count, "\(kind) lists a field twice")
        }
        #expect(!RecordingForm.definition(for: .condition).takesLots)
        #expect(RecordingForm.definition(for: .receive).spec(.document)?.input == .dispatch)
    }
}
