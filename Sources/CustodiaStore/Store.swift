import CustodiaCore
import CustodiaLedger

/// How to append.
public struct AppendOptions: Sendable {
    /// Validate everything, write nothing.
    public var dryRun: Bool
    /// Who records the events (a user code); recorded in every event.
    public var recordedBy: String
    /// The recording time, RFC 3339 UTC. Injected so that rules and tests control time.
    public var recordedAt: String
    /// Who the rules of users apply to (`.operator`: the command-line tool's, which are
    /// only the custody rules).
    public var authority: Authority
    /// When the events may say they happened.
    public var window: TimeWindow
    /// The second people's proven consents, by the line (`SourcedEvent`) of the event they
    /// are for (`custodia confirm` tokens, checked by `custodia record --confirmations`).
    public var confirmations: [Int: [Confirmation]]
    /// Whether the second-person rule applies (see `Admission.requiresProof`): false only for
    /// generated data.
    public var requiresProof: Bool

    public init(
        dryRun: Bool = false, recordedBy: String, recordedAt: String, authority: Authority = .operator,
        window: TimeWindow = .standard, confirmations: [Int: [Confirmation]] = [:], requiresProof: Bool = true
    ) {
        self.dryRun = dryRun
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.authority = authority
        self.window = window
        self.confirmations = confirmations
        self.requiresProof = requiresProof
    }

    /// The rules of new input for this append.
    public var admission: Admission {
        Admission(authority: authority, now: recordedAt, window: window, requiresProof: requiresProof)
    }
}

/// A refused line of input: where, which field, and why.
public struct LineError: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    /// The family of rule that refused (see `CustodyViolation.rule`).
    public var rule: String?
    /// The refusal's particulars (see `CustodyViolation.details`).
    public var details: [String: String]

    public init(line: Int, field: String, message: String, rule: String? = nil, details: [String: String] = [:]) {
        self.line = line
        self.field = field
        self.message = message
        self.rule = rule
        self.details = details
    }

    public init(line: Int, _ violation: CustodyViolation) {
        self.init(
            line: line, field: violation.field, message: violation.message, rule: violation.rule, details: violation.details)
    }

    /// The stable code of the refusal (see `CustodyViolation.code`; `input` for input that
    /// could not be read).
    public var code: String { rule ?? "custody" }

    public var description: String { field.isEmpty ? "\(line): \(message)" : "\(line): \(field): \(message)" }
}

/// What an append did.
public struct AppendReport: Sendable {
    /// Events accepted (and written, unless a dry run or refused).
    public var accepted: Int
    /// Every refused line; when not empty nothing was written.
    public var errors: [LineError]
    /// The ledger's size after the append (unchanged on dry runs and refusals).
    public var size: Int64
    /// The sequence number of the first event appended.
    public var firstSeq: Int64
    /// The signed checkpoint of the new size, when something was written.
    public var checkpoint: String?
    public var dryRun: Bool

    public init(accepted: Int, errors: [LineError], size: Int64, firstSeq: Int64, checkpoint: String?, dryRun: Bool) {
        self.accepted = accepted
        self.errors = errors
        self.size = size
        self.firstSeq = firstSeq
        self.checkpoint = checkpoint
        self.dryRun = dryRun
    }

    public var written: Bool { errors.isEmpty && !dryRun && accepted > 0 }
}

/// An item as `where` shows it.
public struct ItemView: Sendable, Equatable {
    public var record: ItemRecord
    public var registeredSeq: Int64

    public init(record: ItemRecord, registeredSeq: Int64) {
        self.record = record
        self.registeredSeq = registeredSeq
    }
}

/// One recorded event as stored: its sequence number and its leaf (canonical JSON).
public struct RecordedEvent: Sendable, Equatable {
    public var seq: Int64
    public var leaf: [UInt8]

    public init(seq: Int64, leaf: [UInt8]) {
        self.seq = seq
        self.leaf = leaf
    }

    public var json: String { String(decoding: leaf, as: UTF8.self) }
}

/// What a holder physically has.
public struct Holdings: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        /// The item's id (for links to it).
        public var id: Int64
        public var holder: String
        public var marking: ItemMarking
        public var status: ItemStatus
        public var condition: Condition
        public var dueBack: String?

        package init(id: Int64, holder: String, marking: ItemMarking, status: ItemStatus, condition: Condition, dueBack: String? = nil) {
            self.id = id
            self.holder = holder
            self.marking = marking
            self.status = status
            self.condition = condition
            self.dueBack = dueBack
        }
    }
    public struct Lot: Sendable, Equatable {
        public var holder: String
        public var marking: LotMarking
        public var quantity: Int64

        package init(holder: String, marking: LotMarking, quantity: Int64) {
            self.holder = holder
            self.marking = marking
            self.quantity = quantity
        }
    }
    public var holder: Holder
    public var items: [Item]
    public var lots: [Lot]

    package init(holder: Holder, items: [Item], lots: [Lot]) {
        self.holder = holder
        self.items = items
        self.lots = lots
    }
}

/// Counts for the summary and the dashboard.
public struct Summary: Sendable, Equatable {
    public var items: Int64
    public var lots: Int64
    public var events: Int64
    public var holders: Int64
    public var byCategory: [String: Int64]
    public var byStatus: [String: Int64]
    public var byCondition: [String: Int64]
    /// Items by the region of their holder (or of their account when not physically held).
    public var byRegion: [String: Int64]

    package init(items: Int64, lots: Int64, events: Int64, holders: Int64, byCategory: [String: Int64], byStatus: [String: Int64], byCondition: [String: Int64], byRegion: [String: Int64]) {
        self.items = items
        self.lots = lots
        self.events = events
        self.holders = holders
        self.byCategory = byCategory
        self.byStatus = byStatus
        self.byCondition = byCondition
        self.byRegion = byRegion
    }
}

/// The outcome of `verify`: what was checked, or the first divergence.
public struct VerifyReport: Sendable {
    public var events: Int64
    public var leafBytes: Int64
    public var tiles: Int64
    public var checkpoints: Int64
    public var items: Int64
    public var lotBalances: Int64
    public var holders: Int64
    /// Seconds spent re-reading and re-hashing the leaves.
    public var hashSeconds: Double
    /// Seconds spent replaying the events and comparing the state.
    public var replaySeconds: Double
    /// The first divergence found, or nil when everything holds.
    public var divergence: String?
    /// Users and API tokens replayed and compared.
    public var users: Int64 = 0
    public var tokens: Int64 = 0

    package init(events: Int64, leafBytes: Int64, tiles: Int64, checkpoints: Int64, items: Int64, lotBalances: Int64, holders: Int64, hashSeconds: Double, replaySeconds: Double, divergence: String? = nil, users: Int64 = 0, tokens: Int64 = 0) {
        self.events = events
        self.leafBytes = leafBytes
        self.tiles = tiles
        self.checkpoints = checkpoints
        self.items = items
        self.lotBalances = lotBalances
        self.holders = holders
        self.hashSeconds = hashSeconds
        self.replaySeconds = replaySeconds
        self.divergence = divergence
        self.users = users
        self.tokens = tokens
    }
}

/// The ledger's job: appends (the rules, the tree, the checkpoint, in one transaction that
/// holds the log's single write lock) and what outside verifiers read: sizes, leaves, tiles,
/// checkpoints and proofs. The narrowest protocol a backend implements first.
public protocol LedgerStore: Sendable {
    /// Appends the events of `source` all-or-nothing: either every event is accepted and
    /// written with its state change, tree hashes and a new signed checkpoint in one
    /// transaction, or nothing is written and every refused line is reported.
    func append(_ source: inout some EventSource, options: AppendOptions) async throws -> AppendReport
    /// The number of events in the ledger.
    func ledgerSize() async throws -> Int64
    /// The leaves of events `from..<to`.
    func entries(from: Int64, to: Int64) async throws -> [RecordedEvent]
    /// The signed checkpoint for `size` (latest when nil).
    func checkpoint(size: Int64?) async throws -> String?
    func inclusionProof(index: Int64, size: Int64) async throws -> InclusionProof
    func consistencyProof(old: Int64, new: Int64) async throws -> ConsistencyProof
    /// The verifier key line of the log.
    func verifierKey() async throws -> String
    /// Appends several independent requests in one transaction under one new checkpoint
    /// (group commit). Each request is all-or-nothing and is checked against the state left
    /// by the accepted requests before it; a refused request changes nothing and does not
    /// affect the others.
    func appendGroup(_ requests: [AppendRequest]) async throws -> GroupAppendReport
    /// `appendGroup` of the requests `take` gives, called once the backend may write: where
    /// servers share one database, after this one holds the append lock, so that requests
    /// arriving while another server commits join this group instead of waiting for the
    /// next. Nothing is written when `take` gives none. Has a default (take, then append).
    func appendGroup(taking take: @escaping @Sendable () -> [AppendRequest]) async throws
        -> (requests: [AppendRequest], report: GroupAppendReport)
    /// The hashes of tile `index` at `level`, `width` of them (256 for a full tile), as
    /// tlog-tiles serves them (32 bytes each); nil when the tree has not reached them.
    func tile(level: Int, index: Int64, width: Int) async throws -> [UInt8]?
    /// The first signed checkpoint whose tree includes entry `seq` (the one signed for the
    /// batch that recorded it).
    func checkpoint(including seq: Int64) async throws -> String?
}

/// The register's reads: holders, items, lots, events and counts, as the command-line tool
/// and the API ask for them.
public protocol RegisterReads: Sendable {
    func holders() async throws -> [Holder]
    /// Items whose serial is `serial`, narrowed by manufacturer and model when given.
    func items(serial: String, manufacturer: String?, model: String?) async throws -> [ItemView]
    /// Every event that touched the item, oldest first.
    func history(itemID: Int64) async throws -> [RecordedEvent]
    /// For each of `itemIDs`, the sequence numbers of its `history(itemID:)` and when each
    /// event happened, without the leaves (an unknown id is absent).
    func historySeqs(itemIDs: [Int64]) async throws -> [Int64: [(seq: Int64, occurredAt: String)]]
    /// The recorded events at these positions, in ledger order (those that exist).
    func events(seqs: [Int64]) async throws -> [RecordedEvent]
    func holdings(of code: String, recursive: Bool) async throws -> Holdings?

    /// The sequence number of the latest entry that changed the holder tree (-1 when there
    /// is none): a cache of `holders()` is current while this stays the same. Cheap: an
    /// index lookup, not a read of the tree.
    func holderGeneration() async throws -> Int64

    /// Items matching every filter of `query`, in ascending id order, one page at a time.
    ///
    /// - Throws: `StoreError` (`.invalidCursor`) for a cursor this listing did not give out.
    func searchItems(_ query: ItemQuery) async throws -> Page<ItemRecord>
    /// Items whose serial's key over look-alike classes (`MarkPattern.traceKey`) is one of
    /// `candidates`, narrowed by `filters` and `scope`: at most `limit`, in no particular
    /// order (`searchMarks` ranks them).
    func markCandidates(_ candidates: MarkCandidates, filters: MarkFilters, scope: HolderScope, limit: Int) async throws
        -> [ItemRecord]
    func item(id: Int64) async throws -> ItemRecord?
    func holder(code: String) async throws -> Holder?
    /// Lots with their balances, in ascending id order.
    func searchLots(_ query: LotQuery) async throws -> Page<LotView>
    /// One lot with every positive balance (unscoped).
    func lot(id: Int64) async throws -> LotView?
    /// Recorded events matching every filter of `query`, by seq in the order asked.
    func searchEvents(_ query: EventQuery) async throws -> Page<RecordedEvent>
    /// One recorded event.
    func event(seq: Int64) async throws -> RecordedEvent?
    /// Counts restricted to a scope: items whose holder (or account, when not held) is in
    /// it, lots with a balance in it, events naming a holder in it, the holders in it
    /// (everything: every item, lot, event and holder).
    func summary(scope: HolderScope) async throws -> Summary
}

/// What the web pages read beyond the register's reads: lists for the dashboard, the search
/// box, batches for the forms, and the counts kept in memory.
public protocol WebReads: Sendable {
    /// Every item whose serial is one of `serials` (exactly; any manufacturer or model).
    func items(serials: [String]) async throws -> [ItemRecord]
    /// The other items of the same manufacturer and model whose serial looks like this
    /// item's (`Identifier.serialKey`), by id: registered as distinct look-alikes.
    func lookAlikes(of item: ItemRecord) async throws -> [ItemRecord]
    /// Items physically held by `holder`, in ascending id order, `offset` skipped.
    func items(heldBy holder: String, limit: Int, offset: Int) async throws -> [ItemRecord]
    /// Items for one search box (see `ItemSearch`).
    func findItems(_ search: ItemSearch) async throws -> [ItemRecord]
    /// Held items whose due date is before `day` (`YYYY-MM-DD`), inside `scope`, the longest
    /// overdue first.
    func overdueItems(before day: String, scope: HolderScope, limit: Int) async throws -> [ItemRecord]
    /// Missing items (lost or stolen, not recovered) inside `scope` (by their account), the
    /// most recently reported first.
    func missingItems(scope: HolderScope, limit: Int) async throws -> [ItemRecord]
    /// The latest events of `kinds` that name a holder inside `scope` (as from, to, or the
    /// holder of a holder-tree change), newest first.
    func recentEvents(kinds: [EventKind], scope: HolderScope, limit: Int) async throws -> [RecordedEvent]
    /// Every item in brief, with the ledger size they reflect (for counts kept in memory).
    func itemBriefs() async throws -> ItemBriefs
    /// Every item held (status `held`), with the ledger size the list reflects.
    func heldIdentities() async throws -> (ledgerSize: Int64, items: [HeldIdentity])
    /// The sum of lot balances per holder, for `holders` (every holder with a balance when nil).
    func lotQuantities(holders: [String]?) async throws -> [String: Int64]
    /// The lots `holder` itself has a positive balance of, by lot number and manufacturer.
    func lots(heldBy holder: String) async throws -> [LotQuantity]
    /// How many lots have a positive balance at a holder inside `scope`.
    func lotCount(scope: HolderScope) async throws -> Int64
    /// Every lot whose number is one of `numbers` (any manufacturer).
    func lots(numbers: [String]) async throws -> [LotRecord]
    /// The balance of lot `lotID` at `holder` (0 when none).
    func lotBalance(lotID: Int64, holder: String) async throws -> Int64
    /// The dispatch with this document number, open or not.
    func dispatch(document: String) async throws -> DispatchView?
    /// Open dispatches addressed to a holder inside `scope`, newest first.
    func openDispatches(to scope: HolderScope, limit: Int) async throws -> [DispatchView]
    /// Every item `query` asks for (see `AlertQuery`), whatever the scope, with the times of
    /// its register event and of its last event.
    func alertItems(_ query: AlertQuery) async throws -> [AlertItem]
}

/// Witnesses' cosignatures of the ledger's checkpoints, kept beside the ledger.
public protocol CosignatureStore: Sendable {
    /// Keeps a witness's cosignature line of the checkpoint of `size` (insert-only: a second
    /// line from the same witness for the same size is ignored). `witness` is its verifier
    /// key.
    func recordCosignature(size: Int64, witness: String, line: String, receivedAt: String) async throws
    /// The cosignature lines kept for the checkpoint of `size`, by witness verifier key.
    func cosignatures(size: Int64) async throws -> [String: String]
    /// The largest checkpoint size each of `witnesses` cosigned (absent: none).
    func latestCosigned(by witnesses: [String]) async throws -> [String: Int64]
    /// The largest size, at least `atLeast`, whose checkpoint at least `quorum` of
    /// `witnesses` cosigned (any witness when `witnesses` is empty).
    func latestCosignedSize(witnesses: [String], quorum: Int, atLeast: Int64) async throws -> Int64?
    /// The smallest checkpoint size above `size` that any witness cosigned (nil: none yet).
    func firstCosignedSize(after size: Int64) async throws -> Int64?
}

/// Custodia's storage: the events (the ledger's leaves), the state derived from them, the
/// tree's tiles and the signed checkpoints, as one protocol made of the jobs above
/// (`LedgerStore`, `RegisterReads`, `WebReads`, `CosignatureStore`; users and tokens are
/// `UserStore`), plus `verify` and its record.
///
/// Every implementation passes the same conformance suite (`StoreConformance` in the
/// tests). Callers see only these protocols; the executable picks the backend.
public protocol Store: LedgerStore, RegisterReads, WebReads, CosignatureStore {
    /// Recomputes everything from the events and names the first divergence.
    func verify() async throws -> VerifyReport
    /// Keeps the outcome of a `verify` run (insert-only).
    func recordVerification(_ record: VerificationRecord) async throws
    /// The latest `verify` run, if any.
    func lastVerification() async throws -> VerificationRecord?
}

/// An inclusion proof with what a verifier needs beside it.
public struct InclusionProof: Sendable, Equatable {
    public var index: Int64
    public var size: Int64
    public var leafHash: TreeHash
    public var root: TreeHash
    public var proof: [TreeHash]

    package init(index: Int64, size: Int64, leafHash: TreeHash, root: TreeHash, proof: [TreeHash]) {
        self.index = index
        self.size = size
        self.leafHash = leafHash
        self.root = root
        self.proof = proof
    }
}

/// A consistency proof between two sizes of the ledger.
public struct ConsistencyProof: Sendable, Equatable {
    public var old: Int64
    public var new: Int64
    public var oldRoot: TreeHash
    public var newRoot: TreeHash
    public var proof: [TreeHash]

    package init(old: Int64, new: Int64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]) {
        self.old = old
        self.new = new
        self.oldRoot = oldRoot
        self.newRoot = newRoot
        self.proof = proof
    }
}
