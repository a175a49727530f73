import Testing

@testable import CustodiaCore

// Every custody event kind against every item status.
//
// The rifle is registered at DEP-01 (with a pistol that is always dispatched on TD-1 to
// DEP-02, so that a receive naming TD-1 has a real dispatch to complete), then brought into
// the status under test by real events. The event under test always names the rifle.

/// The part of an item's state the rules decide.
private struct Custody: Equatable, Sendable, CustomStringConvertible {
    var status: ItemStatus
    var holder: String?
    var account: String?
    var transit: String? = nil
    var condition: Condition = .serviceable
    var dueBack: String? = nil
    var lastCounted: String? = nil

    init(
        _ status: ItemStatus, holder: String?, account: String?, transit: String? = nil, condition: Condition = .serviceable,
        dueBack: String? = nil, lastCounted: String? = nil
    ) {
        self.status = status
        self.holder = holder
        self.account = account
        self.transit = transit
        self.condition = condition
        self.dueBack = dueBack
        self.lastCounted = lastCounted
    }

    init(_ s: ItemState) {
        self.init(
            s.status, holder: s.holder, account: s.account, transit: s.transit, condition: s.condition, dueBack: s.dueBack,
            lastCounted: s.lastCounted)
    }

    var description: String {
        "\(status.rawValue) holder=\(holder ?? "-") account=\(account ?? "-") transit=\(transit ?? "-") \(condition.rawValue) due=\(dueBack ?? "-") counted=\(lastCounted ?? "-")"
    }
}

private enum Outcome: Equatable { case refused, accepted(Custody) }

private let issueDue = "2026-04-30"
private let maintenanceDue = "2026-05-15"

/// The rifle's state once the setup events have brought it into each status.
private let before: [ItemStatus: Custody] = [
    .held: Custody(.held, holder: Fx.dep1, account: Fx.dep1),
    .inTransit: Custody(.inTransit, holder: nil, account: Fx.dep1, transit: "TD-1"),
    .missing: Custody(.missing, holder: nil, account: Fx.dep1),
    .expended: Custody(.expended, holder: nil, account: Fx.dep1),
    .destroyed: Custody(.destroyed, holder: nil, account: Fx.dep1),
    .exported: Custody(.exported, holder: nil, account: Fx.dep1),
    .deactivated: Custody(.deactivated, holder: Fx.dep1, account: Fx.dep1),
]

/// How a refusal describes the rifle's state.
private let statePhrase: [ItemStatus: String] = [
    .held: "is held by DEP-01",
    .inTransit: "is in transit on dispatch TD-1",
    .missing: "is missing",
    .expended: "is expended",
    .destroyed: "is destroyed",
    .exported: "is exported",
    .deactivated: "is deactivated",
]

/// How a refused register describes the existing item's state.
private let registeredPhrase: [ItemStatus: String] = [
    .held: "already registered (held)",
    .inTransit: "already registered (in-transit)",
    .missing: "already registered (missing)",
    .expended: "already registered (expended)",
    .destroyed: "already registered (destroyed)",
    .exported: "already registered (exported)",
    .deactivated: "already registered (deactivated)",
]

/// The expected outcome, written out from the rules (not computed by the engine).
private func expected(_ kind: EventKind, _ status: ItemStatus) -> Outcome {
    func only(_ accepted: ItemStatus..., then after: Custody) -> Outcome {
        accepted.contains(status) ? .accepted(after) : .refused
    }
    switch kind {
    case .register:  // an item is registered once, whatever became of it
        return .refused
    case .issue:
        return only(.held, then: Custody(.held, holder: Fx.person, account: Fx.dep1, dueBack: issueDue))
    case .return:
        return only(.held, then: Custody(.held, holder: Fx.unit, account: Fx.dep1))
    case .maintenanceOut:
        return only(.held, then: Custody(.held, holder: Fx.unit, account: Fx.dep1, dueBack: maintenanceDue))
    case .maintenanceIn:
        return only(.held, then: Custody(.held, holder: Fx.unit, account: Fx.dep1))
    case .dispatch:
        return only(.held, then: Custody(.inTransit, holder: nil, account: Fx.dep1, transit: "TD-9"))
    case .receive:
        return only(.inTransit, then: Custody(.held, holder: Fx.dep2, account: Fx.dep2))
    case .condition:
        return only(.held, then: Custody(.held, holder: Fx.dep1, account: Fx.dep1, condition: .unserviceable))
    case .count:
        return only(.held, then: Custody(.held, holder: Fx.dep1, account: Fx.dep1, lastCounted: Fx.t1))
    case .loss, .theft:
        return only(.held, then: Custody(.missing, holder: nil, account: Fx.dep1))
    case .recovery:
        return only(.missing, then: Custody(.held, holder: Fx.dep2, account: Fx.dep1))
    case .surrender:
        return only(.held, .missing, then: Custody(.held, holder: Fx.dep2, account: Fx.dep1))
    case .expend:
        return only(.held, then: Custody(.expended, holder: nil, account: Fx.dep1))
    case .destroy:
        return only(.held, then: Custody(.destroyed, holder: nil, account: Fx.dep1))
    case .export:
        return only(.held, then: Custody(.exported, holder: nil, account: Fx.dep1))
    case .deactivate:
        return only(.held, then: Custody(.deactivated, holder: Fx.dep1, account: Fx.dep1))
    case .correction:  // names no item and changes no state
        return .accepted(before[status]!)
    case .holderAdd, .holderRename, .holderMove, .holderClose, .userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke,
        .policySet, .authorisation, .alertWaiver, .stocktakeOpen, .stocktakeClose, .stocktakeResolve, .samplePlan,
        .sampleFinding:
        preconditionFailure("not a custody kind")
    }
}

/// The sequence number of the register event in the setup (after the seven holder-adds).
private let registerSeq: Int64 = 7

/// The event under test: each kind as it would naturally be written for a rifle held by DEP-01.
private func eventUnderTest(_ kind: EventKind) -> Event {
    let rifle = [Fx.ref(Fx.rifle)]
    switch kind {
    case .register:
        return Fx.register([Fx.rifle], to: Fx.dep2)
    case .issue:
        return Fx.event(.issue, from: Fx.dep1, to: Fx.person, items: rifle, dueBack: issueDue)
    case .return:
        return Fx.event(.return, from: Fx.dep1, to: Fx.unit, items: rifle)
    case .maintenanceOut:
        return Fx.event(.maintenanceOut, from: Fx.dep1, to: Fx.unit, items: rifle, dueBack: maintenanceDue)
    case .maintenanceIn:
        return Fx.event(.maintenanceIn, from: Fx.dep1, to: Fx.unit, items: rifle)
    case .dispatch:
        var e = Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: rifle, document: "TD-9")
        e.confirmedBy = [Fx.person]
        return e
    case .receive:
        return Fx.event(.receive, from: Fx.dep1, to: Fx.dep2, items: rifle, document: "TD-1")
    case .condition:
        return Fx.event(.condition, items: rifle, condition: .unserviceable)
    case .count:
        return Fx.event(.count, from: Fx.dep1, items: rifle)
    case .loss:
        return Fx.event(.loss, from: Fx.dep1, items: rifle)
    case .theft:
        return Fx.event(.theft, from: Fx.dep1, items: rifle)
    case .recovery:
        return Fx.event(.recovery, to: Fx.dep2, items: rifle)
    case .surrender:
        return Fx.event(.surrender, from: Fx.dep1, to: Fx.dep2, items: rifle)
    case .expend:
        return Fx.event(.expend, from: Fx.dep1, items: rifle)
    case .destroy:
        var e = Fx.event(.destroy, from: Fx.dep1, items: rifle)
        e.method = "cutting"
        e.certificate = "DC-2026-001"
        e.witnesses = [Fx.person]
        return e
    case .export:
        var e = Fx.event(.export, from: Fx.dep1, to: Fx.external, items: rifle)
        e.licence = "EXP-77"
        e.destinationCountry = "GB"
        return e
    case .deactivate:
        return Fx.event(.deactivate, items: rifle)
    case .correction:
        var e = Fx.event(.correction)
        e.corrects = registerSeq
        e.reason = "wrong depot recorded"
        return e
    case .holderAdd, .holderRename, .holderMove, .holderClose, .userAdd, .userChange, .userDisable, .tokenCreate, .tokenRevoke,
        .policySet, .authorisation, .alertWaiver, .stocktakeOpen, .stocktakeClose, .stocktakeResolve, .samplePlan,
        .sampleFinding:
        preconditionFailure("not a custody kind")
    }
}

/// A harness with the rifle brought into `status` by real events.
private func rifle(in status: ItemStatus, dropCache: Bool) throws -> CustodyHarness {
    let h = try CustodyHarness(dropCache: dropCache)
    let register = try h.apply(Fx.register([Fx.rifle, Fx.pistol], to: Fx.dep1))
    #expect(register.seq == registerSeq)
    let onDispatch = status == .inTransit ? [Fx.ref(Fx.rifle), Fx.ref(Fx.pistol)] : [Fx.ref(Fx.pistol)]
    try h.apply(Fx.event(.dispatch, from: Fx.dep1, to: Fx.dep2, items: onDispatch, document: "TD-1"))
    let rifle = [Fx.ref(Fx.rifle)]
    switch status {
    case .held, .inTransit: break
    case .missing: try h.apply(Fx.event(.loss, from: Fx.dep1, items: rifle))
    case .expended: try h.apply(Fx.event(.expend, from: Fx.dep1, items: rifle))
    case .destroyed: try h.apply(Fx.event(.destroy, from: Fx.dep1, items: rifle))
    case .exported: try h.apply(Fx.event(.export, from: Fx.dep1, to: Fx.external, items: rifle))
    case .deactivated: try h.apply(Fx.event(.deactivate, from: Fx.dep1, items: rifle))
    }
    return h
}

@Suite struct CustodyMatrixTests {
    @Test func custodyKindsAreTheEighteenKindsThatAreNotHolderChanges() {
        #expect(
            EventKind.custodyKinds == [
                .register, .dispatch, .receive, .issue, .return, .maintenanceOut, .maintenanceIn, .condition, .count, .loss,
                .theft, .recovery, .surrender, .expend, .destroy, .export, .deactivate, .correction,
            ])
        #expect(ItemStatus.allCases.count == 7)
    }

    @Test func onlyHeldInTransitAndMissingAreNotTerminal() {
        let terminal = ItemStatus.allCases.filter(\.isTerminal)
        #expect(terminal == [.expended, .destroyed, .exported, .deactivated])
    }

    @Test(arguments: EventKind.custodyKinds, ItemStatus.allCases)
    func custodyEventAgainstItemStatusFollowsTheRules(kind: EventKind, status: ItemStatus) throws {
        // Once reading state back from the store after every event, once from the
        // engine's own cache (as within one long batch).
        for dropCache in [true, false] {
            let h = try rifle(in: status, dropCache: dropCache)
            let pre = try h.item(Fx.rifle)
            #expect(Custody(pre.state) == before[status], "setup did not reach \(status.rawValue)")

            let event = eventUnderTest(kind)
            switch expected(kind, status) {
            case .accepted(let after):
                let seq = h.engine.nextSeq
                let applied = try h.apply(event)
                #expect(applied.seq == seq)
                #expect(h.engine.nextSeq == seq + 1)
                let post = try h.item(Fx.rifle)
                #expect(Custody(post.state) == after)
                if kind == .correction {
                    #expect(post == pre)
                    #expect(applied.itemIDs.isEmpty)
                } else {
                    #expect(post.state.lastSeq == applied.seq)
                    #expect(applied.itemIDs == [pre.id])
                    // The recorded event names the item by its full identity.
                    #expect(applied.event.items == [Fx.fullRef(Fx.rifle)])
                }
            case .refused:
                let refusal = h.refusal(event)
                let violation = try #require(refusal, "\(kind.rawValue) of a \(status.rawValue) rifle should be refused")
                #expect(violation.field == "items[0]")
                #expect(violation.message.contains(Fx.rifle.serial), "\(violation)")
                let phrase = kind == .register ? registeredPhrase[status]! : statePhrase[status]!
                #expect(violation.message.contains(phrase), "\(violation)")
                #expect(try h.item(Fx.rifle) == pre)

                // Follow-up: the engine still sees the rifle as before.
                let probe = Fx.event(.count, at: "2026-03-09T12:00:00Z", from: Fx.dep1, items: [Fx.ref(Fx.rifle)])
                if status == .held {
                    try h.apply(probe)
                    #expect(try h.item(Fx.rifle).state.lastCounted == "2026-03-09T12:00:00Z")
                } else {
                    let again = h.refusal(probe)
                    #expect(again?.message.contains(statePhrase[status]!) == true, "\(String(describing: again))")
                }
            }
        }
    }
}
