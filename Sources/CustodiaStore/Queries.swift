import CustodiaCore
import Foundation

/// One page of a listing in a stable order, and where the next page starts.
public struct Page<Element: Sendable>: Sendable {
    public var elements: [Element]
    /// An opaque cursor for the next page; nil when this is the last page.
    public var nextCursor: String?

    public init(elements: [Element], nextCursor: String?) {
        self.elements = elements
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Element: Equatable {}

/// A position in a listing, carried between pages as an opaque string.
///
/// The text is base64url of `<kind>:<decimal key>`, so a cursor from one listing is refused
/// by another instead of silently starting somewhere else.
public enum Cursor {
    /// Encodes the key of the last element of a page.
    public static func encode(kind: String, key: Int64) -> String {
        Data("\(kind):\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a cursor of `kind`.
    ///
    /// - Throws: `StoreError` (`.invalidCursor`) for anything that is not a cursor this
    ///   listing produced.
    public static func decode(_ cursor: String, kind: String) throws -> Int64 {
        guard cursor.utf8.count <= 64, cursor.utf8.allSatisfy(isBase64URL) else { throw invalid() }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix(kind + ":"), let key = Int64(decoded.dropFirst(kind.count + 1)), key >= 0,
            encode(kind: kind, key: key) == cursor
        else { throw invalid() }
        return key
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
            || byte == 0x5F
    }

    private static func invalid() -> StoreError {
        StoreError(
            .invalidCursor,
            "the cursor is not one this listing gave out; start again without a cursor and follow nextCursor")
    }
}

/// A search over items. Every filter narrows the result; all are optional.
public struct ItemQuery: Sendable, Equatable {
    /// The exact serial.
    public var serial: String?
    /// Part of the serial, case-insensitive (for worn or partial marks).
    public var serialContains: String?
    public var manufacturer: String?
    public var model: String?
    public var category: CustodiaCore.Category?
    public var status: ItemStatus?
    /// Items physically held by this holder.
    public var holder: String?
    /// Only items whose holder or account is inside this scope.
    public var scope: HolderScope
    /// The most items on one page (1–1000).
    public var limit: Int
    /// Where to continue: the `nextCursor` of the previous page.
    public var cursor: String?

    public init(
        serial: String? = nil, serialContains: String? = nil, manufacturer: String? = nil, model: String? = nil,
        category: CustodiaCore.Category? = nil, status: ItemStatus? = nil, holder: String? = nil,
        scope: HolderScope = .everything, limit: Int = 100, cursor: String? = nil
    ) {
        self.serial = serial
        self.serialContains = serialContains
        self.manufacturer = manufacturer
        self.model = model
        self.category = category
        self.status = status
        self.holder = holder
        self.scope = scope
        self.limit = limit
        self.cursor = cursor
    }
}

/// A search over recorded events.
public struct EventQuery: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable { case ascending = "asc", descending = "desc" }

    public var kind: EventKind?
    /// Events that name this holder (as from, to, or the holder a holder-tree change is about).
    public var holder: String?
    /// Events that touched this item.
    public var itemID: Int64?
    /// Events with `seq >= fromSeq`.
    public var fromSeq: Int64?
    /// Events with `seq < toSeq`.
    public var toSeq: Int64?
    /// Only events that name a holder inside this scope (a correction counts with the event
    /// it corrects).
    public var scope: HolderScope
    public var order: Order
    public var limit: Int
    public var cursor: String?

    public init(
        kind: EventKind? = nil, holder: String? = nil, itemID: Int64? = nil, fromSeq: Int64? = nil, toSeq: Int64? = nil,
        scope: HolderScope = .everything, order: Order = .ascending, limit: Int = 100, cursor: String? = nil
    ) {
        self.kind = kind
        self.holder = holder
        self.itemID = itemID
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.scope = scope
        self.order = order
        self.limit = limit
        self.cursor = cursor
    }
}

/// A lot with its balances.
public struct LotView: Sendable, Equatable {
    public struct Balance: Sendable, Equatable {
        public var holder: String
        public var quantity: Int64

        public init(holder: String, quantity: Int64) {
            self.holder = holder
            self.quantity = quantity
        }
    }

    public var record: LotRecord
    /// Positive balances by holder (inside the scope asked for), by holder code.
    public var balances: [Balance]
    /// Quantity in transit on open dispatches (unscoped views only; 0 otherwise).
    public var inTransit: Int64
    /// Quantity reported lost or stolen and not recovered (unscoped views only; 0 otherwise).
    public var missing: Int64

    public init(record: LotRecord, balances: [Balance], inTransit: Int64, missing: Int64) {
        self.record = record
        self.balances = balances
        self.inTransit = inTransit
        self.missing = missing
    }
}

/// A search over lots.
public struct LotQuery: Sendable, Equatable {
    /// The lot number.
    public var lot: String?
    /// Lots with a positive balance at this holder.
    public var holder: String?
    /// Only lots with a positive balance inside this scope, and only those balances.
    public var scope: HolderScope
    public var limit: Int
    public var cursor: String?

    public init(
        lot: String? = nil, holder: String? = nil, scope: HolderScope = .everything, limit: Int = 100, cursor: String? = nil
    ) {
        self.lot = lot
        self.holder = holder
        self.scope = scope
        self.limit = limit
        self.cursor = cursor
    }
}

/// One request of a group append: its events (applied all-or-nothing), who records them and
/// when.
public struct AppendRequest: Sendable {
    public let events: [Event]
    public let recordedBy: String
    public let recordedAt: String
    /// Check against the state (including the requests before it in the group), write nothing.
    public let dryRun: Bool
    /// Who records (a user, for the server), and when the events may say they happened.
    public let authority: Authority
    public let window: TimeWindow
    /// For each event, the second people's proven consents to it (may be shorter than
    /// `events`: the rest have none).
    public let confirmations: [[Confirmation]]
    /// For a request that writes, its events stamped and normalized, and their leaves: made
    /// here, on the caller's task, so that the group's writer thread does not (see
    /// `PreparedLeaf`). Empty for a dry run.
    package let prepared: [(event: Event, leaf: PreparedLeaf)]

    public init(
        events: [Event], recordedBy: String, recordedAt: String, dryRun: Bool = false, authority: Authority = .operator,
        window: TimeWindow = .standard, confirmations: [[Confirmation]] = []
    ) {
        self.events = events
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.dryRun = dryRun
        self.authority = authority
        self.window = window
        self.confirmations = confirmations
        prepared =
            dryRun
            ? []
            : events.map { e in
                var event = e
                let leaf = PreparedLeaf(&event, recordedBy: recordedBy, recordedAt: recordedAt)
                return (event, leaf)
            }
    }
}

extension AppendRequest {
    /// The rules of new input for this request.
    public var admission: Admission { Admission(authority: authority, now: recordedAt, window: window) }

    /// The proven consents to event `index`.
    package func confirmations(of index: Int) -> [Confirmation] {
        index < confirmations.count ? confirmations[index] : []
    }
}

/// What a group append did: one report per request, in order, and the group's checkpoint.
public struct GroupAppendReport: Sendable {
    /// One report per request. A refused request has errors (lines are 1-based indices in
    /// its events) and changed nothing; an accepted one names its first seq.
    public var reports: [AppendReport]
    /// The ledger's size after the group.
    public var size: Int64
    /// The checkpoint signed for the group, when something was written.
    public var checkpoint: String?
    /// Every item the group registered or changed, in its state after the group (once
    /// each), so that state kept in memory beside the store follows without reading it.
    public var items: [ItemRecord]

    public init(reports: [AppendReport], size: Int64, checkpoint: String?, items: [ItemRecord] = []) {
        self.reports = reports
        self.size = size
        self.checkpoint = checkpoint
        self.items = items
    }
}

/// What narrows a search from a damaged mark (`RegisterReads.searchMarks`): each given field
/// must equal the item's marking.
public struct MarkFilters: Sendable, Equatable {
    public var manufacturer: String?
    public var country: String?
    public var model: String?
    public var calibre: String?
    public var year: Int?
    public var category: CustodiaCore.Category?

    public init(
        manufacturer: String? = nil, country: String? = nil, model: String? = nil, calibre: String? = nil, year: Int? = nil,
        category: CustodiaCore.Category? = nil
    ) {
        self.manufacturer = manufacturer
        self.country = country
        self.model = model
        self.calibre = calibre
        self.year = year
        self.category = category
    }
}

/// Which trace keys (`MarkPattern.traceKey`) a damaged-mark search reads.
public enum MarkCandidates: Sendable, Equatable {
    /// Keys like this SQL LIKE pattern (`MarkPattern.like`), through the keys' trigram index.
    case like(String)
    /// These keys exactly, and the keys holding a character beyond ASCII that are like
    /// `unusual` (`MarkPattern.candidateKeys`).
    case keys([String], unusual: String)
}

/// A registered item a damaged mark may be, with how close its serial comes.
public struct MarkMatch: Sendable {
    public var item: ItemRecord
    public var closeness: MarkCloseness

    /// Its place among the matches: closer first, then by serial, manufacturer and model.
    var rank: (Int, Int, String, String, String) {
        (closeness.substitutions, closeness.unknown, item.marking.serial, item.marking.manufacturer, item.marking.model)
    }
}

/// The items a damaged mark may be, closest first.
public struct MarkSearchResult: Sendable {
    public var matches: [MarkMatch]
    /// How many items matched in all (at most `MarkPattern.rankedAtMost`).
    public var total: Int
    /// More than `MarkPattern.rankedAtMost` items matched: the ranking covers only some of them; read more
    /// characters or narrow the search.
    public var incomplete: Bool
}
