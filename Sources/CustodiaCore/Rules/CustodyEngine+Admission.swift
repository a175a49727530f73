/// Authorisation of new input: who may record what, and where.
///
/// The rule, evaluated against the state *before* the event:
///
/// - The recorder's role must allow the kind (`Role.may`).
/// - Every holder the event names must be inside the recorder's scope, except that a
///   dispatch or an export may go to a holder outside it (not a person), and a receive may
///   come from one (the dispatch decides). Witnesses are inside the scope or external.
/// - Every item it touches must be inside the scope where it is: a held item by its holder;
///   a missing or disposed-of item by the account it is on; an item in transit by the
///   dispatch being received (its destination) or by its account. Lots are drawn from a
///   balance inside the scope (`from`), or from a dispatch addressed into it; missing lot
///   quantities belong to no account, so only a recorder of the whole register brings them
///   back.
/// - A holder change needs the holder's parent inside the scope (a new top-level holder,
///   the whole register); a user change, the user's scope inside the recorder's; a
///   correction, the scope of the event it corrects.
///
/// Anything outside the scope is refused with the very message a thing that does not exist
/// gets, before any custody rule looks at it, so that a refusal never tells what lies
/// outside. An item the recorder may see (its account is inside) but not move (its holder
/// is outside) is refused as outside the scope: nothing new is learnt.
extension CustodyEngine {
    // MARK: Messages shared by the unknown and the out-of-scope

    static func unknownHolder(_ code: String, field: String) -> CustodyViolation {
        CustodyViolation(field, "unknown holder \(code); add it first (custodia holder add)")
    }

    static func unknownItem(_ ref: ItemReference, field: String) -> CustodyViolation {
        switch ref {
        case .id(let id): CustodyViolation(field, "no item has id \(id)")
        case .marking:
            CustodyViolation(field, "no item \(ref.label) is registered; check the serial and manufacturer, or register it first")
        }
    }

    static func unknownDispatch(_ document: String) -> CustodyViolation {
        CustodyViolation("document", "no dispatch has document \(document); a receive names the dispatch it completes")
    }

    static func unknownUser(_ code: String) -> CustodyViolation {
        CustodyViolation("user.code", "unknown user \(code); add it first (custodia user add)")
    }

    static func unknownCorrected(_ seq: Int64?) -> CustodyViolation {
        CustodyViolation(
            "corrects",
            "no event \(seq ?? -1) that you may correct; a correction names an earlier event inside your scope")
    }

    // MARK: Scope

    /// Whether `code` is inside the subtree of `root` in the current holder tree.
    func isUnder(_ code: String, root: String) -> Bool { HolderTree.isUnder(code, root: root, in: holders) }

    /// Whether `code` is inside the recorder's scope (always, without a scoped recorder).
    func inScope(_ code: String) -> Bool {
        guard let root = admission?.authority.scopeRoot else { return true }
        return isUnder(code, root: root)
    }

    /// Whether a scoped recorder may see the item: its holder or its account is inside the
    /// scope, or it travels on the dispatch they receive.
    func visible(_ r: ItemRecord, event: Event) -> Bool {
        guard admission?.authority.isScoped == true else { return true }
        if r.state.status == .inTransit, event.kind == .receive, r.state.transit == event.document,
            let to = event.to, inScope(to)
        {
            return true
        }
        return r.state.holder.map(inScope) == true || r.state.account.map(inScope) == true
    }

    /// A visible item the recorder may not move: held outside the scope.
    func requireWritable(_ r: ItemRecord, event: Event, field: String) throws {
        guard let holder = r.state.holder, !inScope(holder) else { return }
        throw CustodyViolation(
            field,
            "\(r.marking.label) is held by \(holder), outside your scope; it is recorded by someone whose scope holds \(holder)")
    }

    // MARK: The event as a whole

    /// The checks of new input that come before any state: the role, the time, the codes
    /// named in any case, the scope of the holders named.
    mutating func admit(_ event: inout Event, _ admission: Admission) throws {
        if case .user(_, let role, _) = admission.authority, !role.may(.record(event.kind)) {
            throw CustodyViolation(
                "kind", "the role \(role.rawValue) may not record \(event.kind.rawValue) events; ask someone whose role does")
        }
        if event.occurredAt != lastTimeAdmitted {
            try checkTime(event.occurredAt, admission)
            lastTimeAdmitted = event.occurredAt
        }
        let scoped = admission.authority.isScoped
        let leaving = event.kind == .dispatch || event.kind == .export
        event.from = event.from.map { canonical($0) }
        event.to = event.to.map { canonical($0, outward: leaving) }
        event.witnesses = event.witnesses.map { canonical($0, outward: true) }
        if var change = event.holder {
            if event.kind != .holderAdd { change.code = canonical(change.code) }
            change.parent = change.parent.map { canonical($0) }
            event.holder = change
        }
        if var user = event.user, let scope = user.scope {
            user.scope = canonical(scope)
            event.user = user
        }
        guard scoped, !event.kind.isHolderChange, !event.kind.isUserChange, event.kind != .correction else { return }
        if let from = event.from, event.kind != .receive, !inScope(from) {
            throw Self.unknownHolder(from, field: "from")
        }
        if let to = event.to, !inScope(to) {
            // What leaves the scope may go to a site, a unit or an outside party elsewhere;
            // people outside the scope are not to be found through it.
            guard leaving, let h = holders[to], h.kind != .person else { throw Self.unknownHolder(to, field: "to") }
        }
        for (n, code) in event.witnesses.enumerated() {
            guard let h = holders[code], inScope(code) || h.kind == .external else {
                throw CustodyViolation("witnesses[\(n)]", "unknown code \(code)")
            }
        }
    }

    /// The stored code of a holder named in another case, when the recorder may name it:
    /// inside the scope, or (`outward`) a holder outside it that is not a person.
    mutating func canonical(_ code: String, outward: Bool = false) -> String {
        if holders[code] != nil { return code }
        if holderCodesByCase == nil {
            var index: [String: String] = [:]
            for c in holders.keys { index[c.lowercased()] = c }
            holderCodesByCase = index
        }
        guard let stored = holderCodesByCase?[code.lowercased()], let h = holders[stored] else { return code }
        if inScope(stored) || (outward && h.kind != .person) { return stored }
        return code
    }

    /// When an event may say it happened: not before the earliest year, not more than the
    /// allowance after the moment it is recorded.
    func checkTime(_ occurredAt: String, _ admission: Admission) throws {
        if Int(occurredAt.prefix(4)) ?? 0 < admission.earliestYear {
            throw CustodyViolation(
                "occurredAt", "\(occurredAt) is before \(admission.earliestYear); give the time it happened (UTC)")
        }
        if let latest = admission.latest, Self.isLater(occurredAt, than: latest) {
            let hours = admission.futureSeconds / 3600
            throw CustodyViolation(
                "occurredAt",
                "\(occurredAt) is more than \(hours) hours after the time of recording (\(admission.now)); give the time it happened (UTC)"
            )
        }
    }

    /// Whether RFC 3339 UTC time `a` is later than `b`, to the second: their date and time
    /// digits compare as bytes (the separator may be `T` or `t`).
    static func isLater(_ a: String, than b: String) -> Bool {
        let compared =
            a.utf8.withContiguousStorageIfAvailable { x in
                b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                    guard x.count >= 19, y.count >= 19 else { return false }
                    for i in 0..<19 where i != 10 && x[i] != y[i] { return x[i] > y[i] }
                    return false
                }
            } ?? nil
        if let compared { return compared }
        return isLater(String(decoding: Array(a.utf8), as: UTF8.self), than: String(decoding: Array(b.utf8), as: UTF8.self))
    }

    /// Keeps an event a scoped recorder wrote, for a correction of it by them before it is
    /// written (the correction's test needs the event; the store has it once written). An
    /// unscoped append (a bulk import, the operator) keeps none: a scoped correction of an
    /// event another request of the same group commit wrote a moment before is refused as
    /// unknown, and succeeds once that event is written.
    mutating func remember(_ event: Event, seq: Int64) {
        if admission?.authority.isScoped == true { recentEvents[seq] = event }
    }

    // MARK: Holder and user changes, corrections

    /// A holder change by a user: the holder and its (new) parent inside the scope; a new
    /// code that looks like no existing one.
    mutating func authorizeHolderChange(_ event: Event) throws {
        guard let change = event.holder else { return }
        let root = admission?.authority.scopeRoot
        if let root {
            if event.kind == .holderAdd || event.kind == .holderMove {
                guard let parent = change.parent else {
                    throw CustodyViolation(
                        "holder.parent",
                        "missing; you place holders under a parent inside your scope (\(root)): only a user of the whole register adds or moves a holder at the top"
                    )
                }
                guard inScope(parent) else { throw Self.unknownHolder(parent, field: "holder.parent") }
            }
            if event.kind != .holderAdd {
                guard holders[change.code] != nil, inScope(change.code) else {
                    throw Self.unknownHolder(change.code, field: "holder.code")
                }
                guard change.code != root else {
                    throw CustodyViolation(
                        "holder.code",
                        "\(root) is the root of your scope; a change to it is recorded by someone whose scope holds it")
                }
            }
        }
        if event.kind == .holderAdd { try refuseLookAlikeCode(change.code) }
    }

    /// A new holder code: not taken, in any case, by a code that looks the same.
    mutating func refuseLookAlikeCode(_ code: String) throws {
        if holderCodeKeys == nil {
            var keys: [String: String] = [:]
            for c in holders.keys.sorted() { for k in Identifier.codeKeys(c) where keys[k] == nil { keys[k] = c } }
            holderCodeKeys = keys
        }
        let keys = holderCodeKeys ?? [:]
        guard let taken = holders[code] != nil ? code : Identifier.codeKeys(code).compactMap({ keys[$0] }).first else {
            return
        }
        if admission?.authority.isScoped == true && !inScope(taken) {
            throw CustodyViolation(
                "holder.code",
                "\(code) is taken, or looks like a code that is (codes are told apart without regard to case or to characters that look alike, such as 0 and O); choose another"
            )
        }
        if taken == code { throw CustodyViolation("holder.code", "holder \(code) already exists; codes are unique") }
        throw CustodyViolation(
            "holder.code",
            "\(code) looks like the holder \(taken) (codes are told apart without regard to case or to characters that look alike, such as 0 and O); choose another code, or name \(taken)"
        )
    }

    /// Keeps the holder look-alike keys current after a holder-add.
    mutating func noteHolderAdded(_ code: String) {
        if holderCodeKeys != nil { for k in Identifier.codeKeys(code) where holderCodeKeys![k] == nil { holderCodeKeys![k] = code } }
        holderCodesByCase?[code.lowercased()] = code
    }

    /// A user or token change by a user: the user's scope, old and new, inside the
    /// recorder's; a new user code that looks like no existing one.
    mutating func authorizeUserChange(_ event: Event) throws {
        guard let change = event.user else { return }
        if let root = admission?.authority.scopeRoot {
            if event.kind == .userAdd || (event.kind == .userChange && change.setsScope) {
                guard let scope = change.scope else {
                    throw CustodyViolation(
                        "user.scope", "missing; the users you manage have a scope inside yours (\(root))")
                }
                guard holders[scope] != nil, inScope(scope) else { throw Self.unknownHolder(scope, field: "user.scope") }
            }
            if event.kind != .userAdd {
                guard let user = try lookupUser(change.code), let scope = user.scope, inScope(scope) else {
                    throw Self.unknownUser(change.code)
                }
            }
        }
        if event.kind == .userAdd { try refuseLookAlikeUser(change.code) }
    }

    /// A new user code: not taken, in any case, by a code that looks the same.
    mutating func refuseLookAlikeUser(_ code: String) throws {
        if userCodeKeys == nil {
            var keys: [String: String] = [:]
            for c in try loader.userCodes().sorted() { for k in Identifier.codeKeys(c) where keys[k] == nil { keys[k] = c } }
            userCodeKeys = keys
        }
        let keys = userCodeKeys ?? [:]
        guard let taken = Identifier.codeKeys(code).compactMap({ keys[$0] }).first, taken != code else {
            return  // the same code: the rule "never reused" answers it
        }
        let named = admission?.authority.isScoped == true ? "an existing user code" : "the user code \(taken)"
        throw CustodyViolation(
            "user.code",
            "\(code) looks like \(named) (user codes are told apart without regard to case or to characters that look alike); choose another"
        )
    }

    /// Keeps the user look-alike keys current after a user-add.
    mutating func noteUserAdded(_ code: String) {
        if userCodeKeys != nil { for k in Identifier.codeKeys(code) where userCodeKeys![k] == nil { userCodeKeys![k] = code } }
    }

    /// A correction by a scoped user: the event it corrects must be one they could record.
    mutating func authorizeCorrection(_ event: Event, seq: Int64) throws {
        guard let target = event.corrects, target < seq, let corrected = try recordedEvent(target),
            try covers(corrected, depth: 0)
        else { throw Self.unknownCorrected(event.corrects) }
    }

    mutating func recordedEvent(_ seq: Int64) throws -> Event? {
        if let recent = recentEvents[seq] { return recent }
        return try loader.event(seq: seq)
    }

    /// Whether the scoped recorder's scope covers a recorded event, as it would have to for
    /// them to record it.
    mutating func covers(_ event: Event, depth: Int) throws -> Bool {
        switch event.kind {
        case .correction:
            guard depth < 8, let target = event.corrects, let corrected = try recordedEvent(target) else { return false }
            return try covers(corrected, depth: depth + 1)
        case .holderAdd, .holderRename, .holderMove, .holderClose:
            guard let change = event.holder else { return false }
            if event.kind != .holderAdd, !inScope(change.code) || change.code == admission?.authority.scopeRoot { return false }
            if event.kind == .holderAdd || event.kind == .holderMove {
                guard let parent = change.parent, inScope(parent) else { return false }
            }
            return true
        case .userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke:
            guard let change = event.user, let user = try lookupUser(change.code), let scope = user.scope else { return false }
            return inScope(scope)
        default:
            let required = HolderScope.holdersInScope(for: event)
            return !required.isEmpty && required.allSatisfy(inScope)
        }
    }

    // MARK: Lots

    /// The lot a scoped recorder names: among the lots at the balance the event draws from
    /// (`from`), or in transit on the dispatch received; any other is refused alike,
    /// whether it exists or not.
    mutating func resolveScopedLot(_ ref: LotReference, field: String, event: Event, dispatch: DispatchRecord?) throws
        -> LotRecord
    {
        let all = try lotCandidates(ref.lot).filter { ref.manufacturer == nil || $0.marking.manufacturer == ref.manufacturer }
        var found: [LotRecord] = []
        switch event.kind {
        case .receive:
            found = all.filter { (dispatch?.lotsInTransit[$0.id] ?? 0) > 0 }
            if found.isEmpty {
                throw CustodyViolation(
                    "\(field).lot", "no lot \(ref.lot) in transit on dispatch \(event.document ?? ""); check the lot number")
            }
        case .recovery:
            throw Self.noMissingLotInScope(ref, field: field)
        case .surrender where event.from == nil:
            throw Self.noMissingLotInScope(ref, field: field)
        default:
            guard let from = event.from else { throw Self.unknownHolder("", field: "from") }
            for lot in all where try balance(LotHolder(lot: lot.id, holder: from)) > 0 { found.append(lot) }
            if found.isEmpty {
                throw CustodyViolation("\(field).lot", "no lot \(ref.lot) at \(from); check the lot number and what \(from) holds")
            }
        }
        guard found.count == 1 else {
            throw CustodyViolation(
                "\(field).lot", "lot \(ref.lot) is ambiguous (several manufacturers); add \"manufacturer\" to name the lot")
        }
        return found[0]
    }

    /// Missing lot quantities belong to no account: the same answer for any lot.
    static func noMissingLotInScope(_ ref: LotReference, field: String) -> CustodyViolation {
        CustodyViolation(
            "\(field).lot",
            "no missing quantity of lot \(ref.lot) that you may bring back: missing lot quantities are kept for the whole register, so a user whose scope is the whole register records their recovery"
        )
    }

    // MARK: Look-alike serials

    /// A new item whose serial looks like the serial of a registered item (or one earlier
    /// in the event) of the same manufacturer and model is refused, unless the event says
    /// the items are distinct.
    mutating func refuseLookAlike(
        _ m: ItemMarking, key: String, field: String, event: Event, alsoAgainst created: [ItemRecord]
    ) throws {
        func same(_ other: ItemMarking) -> Bool {
            other.manufacturer == m.manufacturer && other.model == m.model && other.serial != m.serial
        }
        if let earlier = created.first(where: { same($0.marking) && Identifier.serialKey($0.marking.serial) == key }) {
            throw lookAlike(m, twin: earlier.marking.serial, field: field, where: "listed earlier in this event")
        }
        var twins: [ItemRecord] = []
        let registeredHere = registeredSerialKeys.contains(key.hashValue)
        if registeredHere {
            // Registered here and perhaps not written yet.
            for (id, k) in zip(newItemIDs, newItemKeys) where k == key { if let r = items[id] { twins.append(r) } }
        }
        if !storeHadNoItems || registeredHere { twins += try loader.items(serialKey: key) }
        guard let twin = twins.first(where: { same($0.marking) }) else { return }
        if admission?.authority.isScoped == true, !visible(twin, event: event) {
            throw CustodyViolation(
                field,
                "\(m.label) looks like a serial already registered for \(m.manufacturer) \(m.model): the serials differ only in characters that look alike (such as 0 and O, or a Cyrillic letter for a Latin one); check the marking, or if they are two items say so with \"distinct\": true"
            )
        }
        throw lookAlike(m, twin: twin.marking.serial, field: field, where: "already registered")
    }

    func lookAlike(_ m: ItemMarking, twin: String, field: String, where place: String) -> CustodyViolation {
        CustodyViolation(
            field,
            "\(m.label) looks like \(twin), \(place) for the same manufacturer and model: \(Identifier.difference(m.serial, twin)); check the marking, or if they are two items say so with \"distinct\": true"
        )
    }

    // MARK: The second person

    /// The two-person rule: each person named in `confirmedBy` proved their consent (a
    /// confirmation not used before), is an active user who may confirm, is not the
    /// recorder, and has a holder the event names in their scope; an event that needs a
    /// second person (the `two-person` kinds of the pack in force) names one. Returns the
    /// confirmations it consumes.
    mutating func checkConfirmations(
        _ event: Event, _ confirmations: [Confirmation], categories: [Category], admission: Admission, seq: Int64
    ) throws -> [UsedConfirmation] {
        var recorder = ""
        if case .user(let code, _, _) = admission.authority { recorder = code }
        var consumed: [UsedConfirmation] = []
        var seen: Set<String> = []
        func refuse(_ n: Int, _ message: String, _ refusal: CustodyViolation.ConfirmationRefusal? = nil) -> CustodyViolation {
            CustodyViolation("confirmedBy[\(n)]", message, rule: refusal?.rule ?? CustodyViolation.confirmationRule)
        }
        // What is wrong with the names themselves comes first, proofs or not.
        for (n, code) in event.confirmedBy.enumerated() {
            guard seen.insert(code).inserted else { throw refuse(n, "\(code) is named twice; each person confirms once", .twice) }
            guard code != recorder else {
                throw refuse(n, "you record this event, so you cannot also confirm it; name the second person", .recorder)
            }
        }
        for (n, code) in event.confirmedBy.enumerated() {
            func refuse(_ message: String, _ refusal: CustodyViolation.ConfirmationRefusal? = nil) -> CustodyViolation {
                CustodyViolation("confirmedBy[\(n)]", message, rule: refusal?.rule ?? CustodyViolation.confirmationRule)
            }
            guard let proof = confirmations.first(where: { $0.user == code }) else {
                throw refuse(
                    "no confirmation from \(code) for this event's content; ask \(code) to confirm it (POST /api/v1/confirmations, their password on the confirmation page, or custodia confirm)",
                    .missing)
            }
            guard let user = try lookupUser(code), user.active else {
                throw refuse("\(code) is not an active user", .inactive)
            }
            guard user.role.may(.confirm) else {
                throw refuse("\(code) has the role \(user.role.rawValue), which may not confirm events", .role)
            }
            guard isParty(user.scope, to: event) else {
                throw refuse("the event names no holder inside \(code)'s scope, so \(code) cannot confirm it", .notParty)
            }
            guard holders[code] != nil else { throw refuse("unknown code \(code)") }
            guard !usedConfirmationIDs.contains(proof.id), try !loader.confirmationUsed(id: proof.id),
                !consumed.contains(where: { $0.id == proof.id })
            else {
                throw refuse(
                    "the confirmation from \(code) was already used for another event; ask \(code) to confirm this one", .used)
            }
            consumed.append(UsedConfirmation(id: proof.id, user: code, seq: seq))
        }
        if consumed.isEmpty, let rule = try policyInForce().secondPersonRule(kind: event.kind, categories: categories) {
            throw CustodyViolation(
                "confirmedBy",
                "\(article(event.kind.rawValue)) \(event.kind.rawValue) of \(rule.names.joined(separator: ", ")) needs a second person under the policy in force: name them in confirmedBy, with their confirmation",
                rule: CustodyViolation.ConfirmationRefusal.required.rule)
        }
        return consumed
    }

    /// Whether a user with scope `root` is party to the event: a holder it names (from, to)
    /// is inside that scope.
    func isParty(_ root: String?, to event: Event) -> Bool {
        guard let root else { return true }
        return [event.from, event.to].contains { $0.map { isUnder($0, root: root) } == true }
    }
}
