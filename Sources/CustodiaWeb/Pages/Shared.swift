import CustodiaCore
import Mustache

/// One recorded event and its position in the ledger (its leaf index, `seq`). The server
/// reads it from a stored leaf with `Event(json:source: .ledger)`.
public struct EventEntry: Sendable, Equatable {
    public var seq: Int64
    public var event: Event

    public init(seq: Int64, event: Event) {
        self.seq = seq
        self.event = event
    }

    /// An entry from a stored leaf (the event's canonical JSON). Throws when the leaf is
    /// not a recorded event, which would mean a damaged store.
    public init(seq: Int64, leaf: String) throws {
        self.init(seq: seq, event: try Event(json: try JSONParser.parse(leaf), source: .ledger))
    }
}

/// The ledger's latest signed checkpoint and the last full verification.
public struct LedgerStatus: Sendable, Equatable {
    /// The log's origin line, e.g. `registry.example.org/custodia`.
    public var origin: String
    /// The number of entries the checkpoint covers.
    public var size: Int64
    /// The tree's root hash as the checkpoint writes it (base64).
    public var root: String
    /// When the newest entry was recorded (RFC 3339), i.e. when the checkpoint was signed.
    public var signedAt: String?
    /// When `verify` last ran to the end (RFC 3339); nil when never.
    public var lastVerifiedAt: String?
    /// Whether that run found everything consistent.
    public var lastVerifyPassed: Bool?

    public init(
        origin: String, size: Int64, root: String, signedAt: String? = nil, lastVerifiedAt: String? = nil,
        lastVerifyPassed: Bool? = nil
    ) {
        self.origin = origin
        self.size = size
        self.root = root
        self.signedAt = signedAt
        self.lastVerifiedAt = lastVerifiedAt
        self.lastVerifyPassed = lastVerifyPassed
    }

    /// Reads origin, size and root from the text of a signed checkpoint (C2SP
    /// tlog-checkpoint: origin, size and base64 root on the first three lines).
    public init?(checkpoint: String, signedAt: String? = nil, lastVerifiedAt: String? = nil, lastVerifyPassed: Bool? = nil) {
        let lines = checkpoint.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, !lines[0].isEmpty, let size = Int64(lines[1]), size >= 0, !lines[2].isEmpty else {
            return nil
        }
        self.init(
            origin: String(lines[0]), size: size, root: String(lines[2]), signedAt: signedAt, lastVerifiedAt: lastVerifiedAt,
            lastVerifyPassed: lastVerifyPassed)
    }
}

// MARK: Display pieces shared by several pages

/// A holder as a link: code, name (none when unknown) and URL.
struct HolderRef {
    let code: String
    let title: [String]
    let url: String
    /// Whether the reader may open the holder's page: a holder outside their scope is shown
    /// as its plain code, not as a link that would answer "not found".
    let linked: Bool

    /// A holder the page names: `names` holds the holders inside the reader's scope (with
    /// their names), and only those are linked.
    init(_ code: String, names: [String: String]) {
        self.code = code
        self.title = names[code].map { $0.isEmpty ? [] : [$0] } ?? []
        self.url = WebPaths.holder(code)
        self.linked = names[code] != nil
    }

    init(_ holder: Holder) {
        self.code = holder.code
        self.title = holder.name.isEmpty ? [] : [holder.name]
        self.url = WebPaths.holder(holder.code)
        self.linked = true
    }
}

/// One label and its value, for the facts of an event or an item.
struct Fact {
    let label: String
    let value: String
}

/// An item as one row of a list.
struct ItemRow {
    let url: String
    let serial: String
    let manufacturer: String
    let model: String
    let category: String
    let status: String
    let statusClass: String
    let condition: String
    let place: [HolderRef]
    let due: String
    let overdue: [String]
    /// The serial's characters outside ASCII, by code point: serials that look alike are told
    /// apart in a list.
    var serialNote: [String]

    init(_ record: ItemRecord, names: [String: String], messages: Messages, now: String?) {
        let format = LocalFormat(messages.language)
        url = WebPaths.item(record.id)
        serial = record.marking.serial
        manufacturer = record.marking.manufacturer
        model = record.marking.model
        category = messages.label(record.marking.category)
        status = messages.label(record.state.status)
        statusClass = record.state.status.rawValue
        condition = messages.label(record.state.condition)
        place = (record.state.holder ?? record.state.account).map { [HolderRef($0, names: names)] } ?? []
        due = record.state.dueBack.map(format.date) ?? ""
        let unusual = record.marking.serial.unicodeScalars.filter { !$0.isASCII }
        serialNote =
            unusual.isEmpty
            ? []
            : [
                messages(
                    Message("item.serialCodePoints", ["chars": .text(unusual.map { Identifier.show($0) }.joined(separator: ", "))]))
            ]
        if let dueBack = record.state.dueBack, let now, let late = LocalFormat.days(from: dueBack, to: now), late > 0 {
            overdue = [messages(Message("item.overdueDays", ["days": .number(Int64(late))]))]
        } else {
            overdue = []
        }
    }
}

/// Previous and next links of a paged list.
struct Pager {
    let previousURL: String?
    let nextURL: String?
    let label: String
    let any: Bool

    init(page: Int, hasNext: Bool, messages: Messages, url: (Int) -> String) {
        previousURL = page > 1 ? url(page - 1) : nil
        nextURL = hasNext ? url(page + 1) : nil
        label = messages(Message("pager.page", ["page": .number(Int64(page))]))
        any = previousURL != nil || nextURL != nil
    }
}

/// An event as one entry of a timeline or a list of reports.
struct TimelineRow {
    let anchor: String
    let seq: String
    let proofURL: String
    let when: String
    let kind: String
    let kindClass: String
    /// Losses and thefts stand out.
    let alert: Bool
    let parties: [Parties]
    let facts: [Fact]

    struct Parties {
        let from: [HolderRef]
        let to: [HolderRef]
        /// "→" before the receiving holder; none when the event has only a from (a loss).
        let arrow: Bool

        init(from: [HolderRef], to: [HolderRef]) {
            self.from = from
            self.to = to
            arrow = !to.isEmpty
        }
    }
    let hasFacts: Bool

    init(_ entry: EventEntry, names: [String: String], messages: Messages, itemsSummary: Bool = false) {
        let e = entry.event
        let format = LocalFormat(messages.language)
        anchor = "e\(entry.seq)"
        seq = String(entry.seq)
        proofURL = WebPaths.proof(entry.seq)
        when = format.dateTime(e.occurredAt)
        kind = messages.label(e.kind)
        kindClass = e.kind.rawValue
        alert = e.kind == .loss || e.kind == .theft
        let from = e.from.map { [HolderRef($0, names: names)] } ?? []
        let to = e.to.map { [HolderRef($0, names: names)] } ?? []
        parties = from.isEmpty && to.isEmpty ? [] : [Parties(from: from, to: to)]
        var facts: [Fact] = []
        func add(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { facts.append(Fact(label: messages[key], value: value)) }
        }
        if itemsSummary {
            let serials = e.items.compactMap { ref -> String? in
                if case .marking(_, let serial, _) = ref { return serial }
                return nil
            }
            let shown = serials.prefix(5).joined(separator: ", ")
            add("field.items", serials.count > 5 ? shown + " … (\(format.number(serials.count)))" : shown)
            add("field.lots", e.lots.map { "\($0.lot) × \(format.number($0.quantity))" }.joined(separator: ", "))
        }
        // The timeline's labels are short: two hundred entries must stay light.
        add("timeline.document", e.document)
        add("timeline.dueBack", e.dueBack.map(format.date))
        add("field.condition", e.condition.map(messages.label))
        add("field.reason", e.reason)
        add("field.method", e.method)
        add("field.certificate", e.certificate)
        add("field.witnesses", e.witnesses.joined(separator: ", "))
        add("field.licence", e.licence)
        add("field.destinationCountry", e.destinationCountry)
        add("field.note", e.note)
        add("timeline.recordedBy", e.recordedBy)
        add("timeline.confirmedBy", e.confirmedBy.joined(separator: ", "))
        // When an entry was recorded on a later day than it happened, say so: late entries
        // are what an inspector looks for. Same-day entries stay short.
        if let recordedAt = e.recordedAt, Timestamp.day(of: recordedAt) != Timestamp.day(of: e.occurredAt) {
            add("timeline.recordedAt", format.dateTime(recordedAt))
        }
        add("timeline.corrects", e.corrects.map { "#\($0)" })
        self.facts = facts
        hasFacts = !facts.isEmpty
    }
}

// The rows that repeat hundreds of times on a page answer the templates directly instead
// of through reflection.
extension HolderRef: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "code": code
        case "title": title
        case "url": url
        case "linked": linked
        default: nil
        }
    }
}

extension ItemRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "url": url
        case "serial": serial
        case "manufacturer": manufacturer
        case "model": model
        case "category": category
        case "status": status
        case "statusClass": statusClass
        case "condition": condition
        case "place": place
        case "due": due
        case "overdue": overdue
        case "serialNote": serialNote
        default: nil
        }
    }
}

extension Fact: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "value": value
        default: nil
        }
    }
}

extension TimelineRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "anchor": anchor
        case "seq": seq
        case "proofURL": proofURL
        case "when": when
        case "kind": kind
        case "kindClass": kindClass
        case "alert": alert
        case "parties": parties
        case "facts": facts
        case "hasFacts": hasFacts
        default: nil
        }
    }
}

extension TimelineRow.Parties: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "from": from
        case "to": to
        case "arrow": arrow
        default: nil
        }
    }
}

/// The "on a past day" box of the item and holder pages: what was asked, and the moment
/// shown or why none is.
public struct AsOf: Sendable, Equatable {
    /// Why no past moment is shown for what was asked.
    public enum Problem: String, Sendable {
        case notADay = "asOf.notADay"
        case future = "asOf.future"
        /// Nothing to show: not registered (or not added) yet, or outside the reader's scope
        /// then; the page does not say which.
        case nothing = "asOf.nothing"
    }

    /// What was asked, as given (nil: the page shows the register as it stands).
    public var asked: String?
    /// The end of the moment shown (RFC 3339), when the page shows the past.
    public var shown: String?
    public var problem: Problem?

    public init(asked: String? = nil, shown: String? = nil, problem: Problem? = nil) {
        self.asked = asked
        self.shown = shown
        self.problem = problem
    }

    /// Reads what was asked: a day (its end) or a UTC time, not after `now`.
    public static func reading(_ asked: String?, now: String) -> (AsOf, RegisterMoment?) {
        guard let asked else { return (AsOf(), nil) }
        guard let moment = try? RegisterMoment(parsing: asked), let time = moment.time else {
            return (AsOf(asked: asked, problem: .notADay), nil)
        }
        guard let checked = try? moment.refusingFuture(now: now) else { return (AsOf(asked: asked, problem: .future), nil) }
        return (AsOf(asked: asked, shown: checked.time ?? time), checked)
    }
}

struct AsOfDisplay {
    let action: String
    let value: String
    let showing: String?
    let problem: String?
    let todayURL: String

    init(_ asOf: AsOf, url: String, messages: Messages) {
        action = url
        todayURL = url
        value = asOf.asked.map { Timestamp.isDate($0) ? $0 : Timestamp.day(of: $0) } ?? ""
        showing = asOf.shown.map { messages(Message("asOf.showing", ["date": .date($0)])) }
        problem = asOf.problem.map { messages[$0.rawValue] }
    }
}

extension AsOfDisplay: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "action": action
        case "value": value
        case "showing": showing
        case "problem": problem
        case "todayURL": todayURL
        default: nil
        }
    }
}
