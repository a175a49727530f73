import CustodiaCore

/// The recording form of one kind, empty, prefilled, or shown again with its errors.
public struct RecordFormPage: Sendable {
    public var kind: EventKind
    /// Values by field name: what was submitted, or a prefill from the query (e.g. the
    /// item page's "issue this item" link).
    public var values: [String: String]
    public var errors: FormErrors
    /// The dispatches a receive can complete (only used by the receive form).
    public var openDispatches: [DispatchView]
    public var holderNames: [String: String]

    public init(
        kind: EventKind, values: [String: String] = [:], errors: FormErrors = FormErrors(), openDispatches: [DispatchView] = [],
        holderNames: [String: String] = [:]
    ) {
        self.kind = kind
        self.values = values
        self.errors = errors
        self.openDispatches = openDispatches
        self.holderNames = holderNames
    }

    /// The field the confirmation page's "change" button sends: a POST to the form's URL
    /// with it shows the form filled in again, without validating.
    public static let editField = "edit"

    /// Whether a POST to `/record/<kind>` asks to change the values rather than to check them.
    public static func isEditRequest(_ fields: [String: String]) -> Bool { fields[editField] != nil }
}

/// The confirmation page: exactly what will be recorded, nothing recorded yet.
///
/// When the event names people in `confirmedBy`, the page asks each of them for their own
/// password (the two-person rule): field `ConfirmationPage.passwordField(n)` for the n-th
/// code, never filled in again when the page is shown with errors.
public struct ConfirmationPage: Sendable {
    public var recording: ValidRecording
    /// Problems with a confirming person (a wrong password, …), by their code: shown next to
    /// that person's password field.
    public var confirmerErrors: [String: [Message]]
    /// Problems about the whole record (e.g. the register refused it).
    public var errors: [Message]

    public init(recording: ValidRecording, confirmerErrors: [String: [Message]] = [:], errors: [Message] = []) {
        self.recording = recording
        self.confirmerErrors = confirmerErrors
        self.errors = errors
    }

    /// The name of the password field of the `index`-th person of `confirmedBy`.
    public static func passwordField(_ index: Int) -> String { "confirmPassword\(index)" }
}

/// The printable hand-over receipt of a recorded event.
/// A QR code as an SVG path: the image's side and the path of its dark modules (digits,
/// spaces and the letters M h v z only).
public struct QRDrawing: Sendable, Equatable {
    public var side: Int
    public var path: String
    public var title: String

    public init(side: Int, path: String, title: String) {
        self.side = side
        self.path = path
        self.title = title
    }
}

public struct ReceiptPage: Sendable {
    /// The event's ledger position.
    public var seq: Int64
    /// The event as recorded (items with full identity, `recordedAt`, `recordedBy`).
    public var event: Event
    /// Full markings of the event's items where the server has them (for the category).
    public var items: [ItemMarking]
    /// Lots with their full marking; when empty, the event's lots are listed as recorded.
    public var lots: [LotQuantity]
    /// The holders the event names (for names and kinds).
    public var holders: [String: Holder]
    /// The ledger size and root of the checkpoint that includes the event.
    public var treeSize: Int64
    public var root: String
    /// The receipt anyone can check (`custodia-receipt/v1`, without the entry), and its QR
    /// code drawn by the server; nil when there is none.
    public var receiptText: String?
    public var receiptQR: QRDrawing?
    /// The site's base URL, for the command that checks the receipt against the live log.
    public var baseURL: String

    public init(
        seq: Int64, event: Event, items: [ItemMarking] = [], lots: [LotQuantity] = [], holders: [String: Holder] = [:],
        treeSize: Int64, root: String, receiptText: String? = nil, receiptQR: QRDrawing? = nil, baseURL: String = ""
    ) {
        self.receiptText = receiptText
        self.receiptQR = receiptQR
        self.baseURL = baseURL
        self.seq = seq
        self.event = event
        self.items = items
        self.lots = lots
        self.holders = holders
        self.treeSize = treeSize
        self.root = root
    }

    /// The kinds after which the server offers a receipt: hand-overs between two parties.
    public static let kinds: [EventKind] = [.issue, .return, .dispatch, .receive, .surrender, .recovery, .export, .destroy]

    public static func offersReceipt(for kind: EventKind) -> Bool { kinds.contains(kind) }
}

// MARK: Display

struct FieldDisplay {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    let name: String
    let id: String
    let label: String
    let hint: [String]
    let required: Bool
    let value: String
    let errors: [String]
    let invalid: Bool
    let describedBy: [String]
    let inputType: String
    let textarea: Bool
    let select: Bool
    let rows: String
    let options: [Option]
    let upper: Bool
    let line: Bool

    init(_ spec: FieldSpec, kind: EventKind, page: RecordFormPage, messages: Messages) {
        let field = spec.field
        name = field.rawValue
        id = "f-\(field.rawValue)"
        label = messages["field.\(kind == .receive && field == .document ? "dispatch" : field.rawValue)"]
        let hintKey = "hint.\(kind.rawValue).\(field.rawValue)"
        let hintText = messages.table[hintKey] ?? messages.table["hint.\(field.rawValue)"]
        hint = hintText.map { [$0] } ?? []
        required = spec.required
        errors = page.errors[field].map { messages($0) }
        invalid = !errors.isEmpty
        let ids = [hint.isEmpty ? nil : id + "-h", invalid ? id + "-e" : nil].compactMap { $0 }
        describedBy = ids.isEmpty ? [] : [ids.joined(separator: " ")]
        var value = page.values[field.rawValue] ?? ""
        switch spec.input {
        case .dateTime:
            inputType = "datetime-local"
            if let t = CivilTime(value.trimmingSpaces), value.utf8.count > 10 {
                value =
                    "\(t.isoDate)T\(CivilTime.pad(t.hour, 2)):\(CivilTime.pad(t.minute, 2))"
                    + (t.second == 0 ? "" : ":\(CivilTime.pad(t.second, 2))")
            }
        case .date: inputType = "date"
        default: inputType = "text"
        }
        self.value = value
        textarea = spec.input == .serials || spec.input == .lots || spec.input == .longText
        rows = spec.input == .longText ? "2" : "6"
        upper = spec.input == .holder || spec.input == .codes || spec.input == .serials
        let chosen = value
        switch spec.input {
        case .condition:
            select = true
            options =
                [Option(value: "", label: messages["form.choose"], selected: chosen.isEmpty)]
                + Condition.allCases.map {
                    Option(value: $0.rawValue, label: messages.label($0), selected: $0.rawValue == chosen)
                }
        case .dispatch:
            select = true
            let format = LocalFormat(messages.language)
            var opts = [Option(value: "", label: messages["form.chooseDispatch"], selected: chosen.isEmpty)]
            for d in page.openDispatches {
                var text = "\(d.document) · \(d.from) → \(d.to)"
                if d.itemsInTransit > 0 {
                    text += " · " + messages(Message("form.dispatchItems", ["count": .number(d.itemsInTransit)]))
                }
                let quantity = d.lotsInTransit.reduce(0) { $0 + $1.quantity }
                if quantity > 0 { text += " · " + messages(Message("form.dispatchLots", ["count": .number(quantity)])) }
                if let at = d.occurredAt { text += " · " + format.date(at) }
                opts.append(Option(value: d.document, label: text, selected: d.document == chosen))
            }
            if !chosen.isEmpty, !page.openDispatches.contains(where: { $0.document == chosen }) {
                opts.append(Option(value: chosen, label: chosen, selected: true))
            }
            options = opts
        default:
            select = false
            options = []
        }
        line = !textarea && !select
    }
}

struct RecordFormDisplay {
    struct Problem {
        let anchor: String
        let text: String
    }

    let heading: String
    let intro: String
    let action: String
    let csrf: String
    let fields: [FieldDisplay]
    let summary: [String]
    let problems: [Problem]
    let general: [String]
    let hasErrors: Bool

    init(_ page: RecordFormPage, session: SessionInfo?, messages: Messages) {
        heading = messages(Message("form.heading", ["kind": .key("kind.\(page.kind.rawValue)")]))
        intro = messages["kindHelp.\(page.kind.rawValue)"]
        action = WebPaths.recordForm(page.kind)
        csrf = session?.csrfToken ?? ""
        let form = RecordingForm.definition(for: page.kind)
        fields = form.fields.map { FieldDisplay($0, kind: page.kind, page: page, messages: messages) }
        let count = page.errors.count
        summary = count > 0 ? [messages(Message("form.errorSummary", ["count": .number(Int64(count))]))] : []
        problems = fields.flatMap { f in f.errors.map { Problem(anchor: "#" + f.id, text: "\(f.label): \($0)") } }
        general = page.errors.general.map { messages($0) }
        hasErrors = !summary.isEmpty
    }
}

struct ConfirmationDisplay {
    struct ItemLine {
        let number: String
        let serial: String
        let manufacturer: String
        let model: String
        let category: String
        let now: String
    }
    struct LotLine {
        let lot: String
        let manufacturer: String
        let description: String
        let quantity: String
    }

    let heading: String
    let notice: String
    let facts: [Fact]
    let parties: [Fact]
    let items: [ItemLine]
    let lots: [LotLine]
    let counts: String
    let hidden: [QueryItem]
    let csrf: String
    let confirmURL: String
    let editURL: String
    let editField = RecordFormPage.editField
    let hasItems: Bool
    let hasLots: Bool
    let confirmers: [Confirmer]
    let hasConfirmers: Bool
    let errors: [String]
    let hasErrors: Bool

    struct Confirmer {
        let id: String
        let name: String
        let label: String
        let errors: [String]
        let invalid: Bool
    }

    init(_ page: ConfirmationPage, session: SessionInfo?, messages: Messages) {
        let r = page.recording
        let e = r.event
        let format = LocalFormat(messages.language)
        heading = messages(Message("confirm.heading", ["kind": .key("kind.\(e.kind.rawValue)")]))
        notice = messages["confirm.notice"]
        func party(_ code: String?) -> String? {
            guard let code else { return nil }
            guard let h = r.holders[code], !h.name.isEmpty else { return code }
            return "\(code) · \(h.name) (\(messages.label(h.kind)))"
        }
        parties = [
            party(e.from).map { Fact(label: messages["field.from"], value: $0) },
            party(e.to).map { Fact(label: messages["field.to"], value: $0) },
        ].compactMap { $0 }
        var facts: [Fact] = [
            Fact(label: messages["confirm.kind"], value: messages.label(e.kind)),
            Fact(label: messages["field.occurredAt"], value: format.dateTime(e.occurredAt) + " UTC"),
        ]
        func add(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { facts.append(Fact(label: messages[key], value: value)) }
        }
        add(e.kind == .receive ? "field.dispatch" : "field.document", e.document)
        add("field.dueBack", e.dueBack.map(format.date))
        add("field.condition", e.condition.map(messages.label))
        add("field.reason", e.reason)
        add("field.method", e.method)
        add("field.certificate", e.certificate)
        add("field.witnesses", e.witnesses.map { party($0) ?? $0 }.joined(separator: "; "))
        add("field.licence", e.licence)
        add("field.destinationCountry", e.destinationCountry)
        add("field.confirmedBy", e.confirmedBy.map { party($0) ?? $0 }.joined(separator: "; "))
        add("field.note", e.note)
        self.facts = facts
        items = r.items.enumerated().map { n, item in
            let s = item.state
            var now = messages.label(s.status)
            if let h = s.holder { now += " · " + h }
            return ItemLine(
                number: String(n + 1), serial: item.marking.serial, manufacturer: item.marking.manufacturer,
                model: item.marking.model,
                category: messages.label(item.marking.category), now: now)
        }
        lots = r.lots.map {
            LotLine(
                lot: $0.marking.lot, manufacturer: $0.marking.manufacturer,
                description: "\($0.marking.calibre) \($0.marking.type)",
                quantity: format.number($0.quantity))
        }
        counts = messages(
            Message(
                "confirm.counts",
                [
                    "items": .number(Int64(r.items.count)), "lots": .number(Int64(r.lots.count)),
                    "quantity": .number(r.lots.reduce(0) { $0 + $1.quantity }),
                ]))
        hidden = r.fields
        csrf = session?.csrfToken ?? ""
        confirmers = e.confirmedBy.enumerated().map { n, code in
            let errors = (page.confirmerErrors[code] ?? []).map { messages($0) }
            return Confirmer(
                id: "f-cpw\(n)", name: ConfirmationPage.passwordField(n),
                label: messages(Message("confirm.passwordOf", ["code": .text(party(code) ?? code)])), errors: errors,
                invalid: !errors.isEmpty)
        }
        hasConfirmers = !confirmers.isEmpty
        errors = page.errors.map { messages($0) }
        hasErrors = !errors.isEmpty
        confirmURL = WebPaths.recordConfirm(e.kind)
        editURL = WebPaths.recordForm(e.kind)
        hasItems = !items.isEmpty
        hasLots = !lots.isEmpty
    }
}

struct ReceiptDisplay {
    struct Party {
        let role: String
        let code: String
        let name: [String]
        let kind: [String]
    }
    struct ItemLine {
        let number: String
        let serial: String
        let manufacturer: String
        let model: String
        let category: String
    }
    struct LotLine {
        let lot: String
        let manufacturer: String
        let quantity: String
    }

    let heading: String
    let reference: String
    let facts: [Fact]
    let parties: [Party]
    let items: [ItemLine]
    let lots: [LotLine]
    let counts: String
    let seq: String
    let root: String
    let size: String
    let proofURL: String
    let ledgerLine: String
    let receiptText: [String]
    let receiptQR: [QRDrawing]
    let checkCommand: String
    let signers: [Party]
    let hasItems: Bool
    let hasLots: Bool

    init(_ page: ReceiptPage, messages: Messages) {
        let e = page.event
        let format = LocalFormat(messages.language)
        let titleKey = "receipt.title.\(e.kind.rawValue)"
        heading = messages.table[titleKey] ?? messages(Message("receipt.heading", ["kind": .key("kind.\(e.kind.rawValue)")]))
        reference = messages(Message("receipt.reference", ["seq": .text(String(page.seq))]))
        var facts: [Fact] = [
            Fact(
                label: messages["receipt.date"],
                value: format.longDate(e.occurredAt) + " · " + format.dateTime(e.occurredAt) + " UTC")
        ]
        if let doc = e.document { facts.append(Fact(label: messages["field.document"], value: doc)) }
        if let due = e.dueBack { facts.append(Fact(label: messages["field.dueBack"], value: format.date(due))) }
        if let licence = e.licence { facts.append(Fact(label: messages["field.licence"], value: licence)) }
        if let country = e.destinationCountry { facts.append(Fact(label: messages["field.destinationCountry"], value: country)) }
        if let method = e.method { facts.append(Fact(label: messages["field.method"], value: method)) }
        if let certificate = e.certificate { facts.append(Fact(label: messages["field.certificate"], value: certificate)) }
        if let by = e.recordedBy {
            facts.append(
                Fact(label: messages["timeline.recordedBy"], value: by + (e.recordedAt.map { " · " + format.dateTime($0) } ?? ""))
            )
        }
        if !e.confirmedBy.isEmpty {
            facts.append(Fact(label: messages["field.confirmedBy"], value: e.confirmedBy.joined(separator: ", ")))
        }
        if let note = e.note { facts.append(Fact(label: messages["field.note"], value: note)) }
        self.facts = facts
        func party(_ key: String, _ code: String?) -> Party? {
            guard let code else { return nil }
            let h = page.holders[code]
            let name = h.map(\.name).flatMap { $0.isEmpty ? nil : [$0] } ?? []
            return Party(role: messages[key], code: code, name: name, kind: h.map { [messages.label($0.kind)] } ?? [])
        }
        parties = [party("receipt.from", e.from), party("receipt.to", e.to)].compactMap { $0 }
        signers = [party("receipt.signFrom", e.from), party("receipt.signTo", e.to)].compactMap { $0 }
        var categories: [ItemIdentity: Category] = [:]
        for m in page.items { categories[m.identity] = m.category }
        items = e.items.enumerated().map { n, ref in
            switch ref {
            case .marking(let manufacturer, let serial, let model):
                let category = categories[ItemIdentity(manufacturer: manufacturer, model: model ?? "", serial: serial)]
                return ItemLine(
                    number: String(n + 1), serial: serial, manufacturer: manufacturer, model: model ?? "",
                    category: category.map(messages.label) ?? "")
            case .id(let id):
                return ItemLine(number: String(n + 1), serial: "#\(id)", manufacturer: "", model: "", category: "")
            }
        }
        if page.lots.isEmpty {
            lots = e.lots.map { LotLine(lot: $0.lot, manufacturer: $0.manufacturer ?? "", quantity: format.number($0.quantity)) }
        } else {
            lots = page.lots.map {
                LotLine(lot: $0.marking.lot, manufacturer: $0.marking.manufacturer, quantity: format.number($0.quantity))
            }
        }
        counts = messages(
            Message(
                "confirm.counts",
                [
                    "items": .number(Int64(e.items.count)), "lots": .number(Int64(e.lots.count)),
                    "quantity": .number(e.lots.reduce(0) { $0 + $1.quantity }),
                ]))
        seq = String(page.seq)
        root = page.root
        size = format.number(page.treeSize)
        proofURL = WebPaths.proof(page.seq)
        ledgerLine = messages(
            Message(
                "receipt.ledgerLine", ["seq": .text(String(page.seq)), "size": .number(page.treeSize), "root": .text(page.root)]))
        receiptText = page.receiptText.map { [$0] } ?? []
        receiptQR = page.receiptQR.map { [$0] } ?? []
        let base = page.baseURL.hasSuffix("/") ? String(page.baseURL.dropLast()) : page.baseURL
        checkCommand = "custodia ledger check-receipt receipt-\(page.seq).txt --url \(base.isEmpty ? "URL" : base)"
        hasItems = !items.isEmpty
        hasLots = !lots.isEmpty
    }
}

struct RecordMenuDisplay {
    struct Entry {
        let label: String
        let help: String
        let url: String
    }
    let entries: [Entry]
    let hasEntries: Bool

    init(entries: [Entry]) {
        self.entries = entries
        hasEntries = !entries.isEmpty
    }
}

extension WebRenderer {
    /// The list of forms the user's role may use.
    public func recordMenu(context: PageContext) -> String {
        let messages = Messages(context.language)
        let entries = (context.session?.recordableKinds ?? []).map {
            RecordMenuDisplay.Entry(
                label: messages.label($0), help: messages["kindHelp.\($0.rawValue)"], url: WebPaths.recordForm($0))
        }
        return render(
            "record-menu", title: messages["record.heading"], section: .record, body: RecordMenuDisplay(entries: entries),
            context: context)
    }

    /// A recording form, with each error next to its field and a summary at the top.
    public func recordForm(_ page: RecordFormPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = RecordFormDisplay(page, session: context.session, messages: messages)
        return render("record-form", title: display.heading, section: .record, body: display, context: context)
    }

    /// The confirmation page: every serial, lot, party and document that will be recorded,
    /// the canonical fields as hidden inputs, and the button that records.
    public func confirmation(_ page: ConfirmationPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = ConfirmationDisplay(page, session: context.session, messages: messages)
        return render("confirm", title: display.heading, section: .record, body: display, context: context)
    }

    /// The printable receipt of a hand-over: every serial, both parties, the document, the
    /// ledger position and root, and lines to sign.
    public func receipt(_ page: ReceiptPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = ReceiptDisplay(page, messages: messages)
        return render("receipt", title: display.heading, section: .record, body: display, context: context)
    }
}
