/// The year of activity: each event is drawn from a weighted mix of operations, each of
/// which checks the tracked state so that only events the custody rules accept come out.
extension DemoGenerator {
    enum Operation: CaseIterable {
        case issue, scheduledReturn, giveBack, issueLots, expendLots, returnLots
        case conditionDown, repairOut, maintenanceStep, awaitDestruction, surplus, destroy
        case dispatchItems, dispatchLots, dispatchMANPADS, receive, count
        case loss, theft, lotLoss, recovery, surrenderMissing, surrenderHeld, registerFound, lotRecovery
        case destroyLots, correction, acquisition, exerciseStart, exerciseStep

        /// Relative frequency. Follow-up steps (receive, repairs, destruction) weigh more
        /// than what feeds them so their queues drain; when nothing is ready they yield.
        var weight: Int {
            switch self {
            case .issue: 1300
            case .scheduledReturn: 1600
            case .giveBack: 60
            case .issueLots: 200
            case .expendLots: 190
            case .returnLots: 80
            case .conditionDown: 12
            case .repairOut: 400
            case .maintenanceStep: 800
            case .awaitDestruction: 320
            case .surplus: 130
            case .destroy: 330
            case .dispatchItems: 25
            case .dispatchLots: 30
            case .dispatchMANPADS: 2
            case .receive: 700
            case .count: 40
            case .loss: 1
            case .theft: 1
            case .lotLoss: 1
            case .recovery: 3
            case .surrenderMissing: 2
            case .surrenderHeld: 3
            case .registerFound: 5
            case .lotRecovery: 1
            case .destroyLots: 10
            case .correction: 6
            case .acquisition: 1
            case .exerciseStart: 3
            case .exerciseStep: 20
            }
        }

        static let table: (operations: [Operation], cumulative: [Int], total: Int) = {
            var cumulative: [Int] = []
            var total = 0
            for op in allCases {
                total += op.weight
                cumulative.append(total)
            }
            return (allCases, cumulative, total)
        }()
    }

    mutating func startActivity() {
        activityStart = yielded
        activityTotal = Swift.max(1, eventCount - yielded)
        eventsPerDay = Swift.max(1, activityTotal / Self.activityDays)
        nextMANPADSCountDay = Self.activityStartDay + 2
        exportDays = [330, 255, 165, 75].map { Self.activityStartDay + $0 }
        manpadsTheftDays = [301, 187].map { Self.activityStartDay + $0 }
        phase = .activity
    }

    mutating func nextActivity() -> Event {
        act = yielded - activityStart
        let span = Self.activityDays * Self.workdaySeconds
        let slot = span / activityTotal
        let work = act * span / activityTotal + (slot > 1 ? rng.below(slot) : 0)
        setClock(base: Self.activityStartDay, work: work)
        if yielded == eventCount - 1, let e = disbandUnit() { return e }
        if let e = scheduledMANPADSCount() { return e }
        if let e = scheduledExport() { return e }
        if let e = scheduledMANPADSTheft() { return e }
        let table = Operation.table
        for _ in 0..<200 {
            let r = rng.below(table.total)
            var k = 0
            while table.cumulative[k] <= r { k += 1 }
            if let e = perform(table.operations[k]) { return e }
        }
        return correction()!
    }

    mutating func perform(_ op: Operation) -> Event? {
        switch op {
        case .issue: issue()
        case .scheduledReturn: scheduledReturn()
        case .giveBack: giveBack()
        case .issueLots: issueLots()
        case .expendLots: expendLots()
        case .returnLots: returnLots()
        case .conditionDown: conditionDown()
        case .repairOut: repairOut()
        case .maintenanceStep: maintenanceStep()
        case .awaitDestruction: awaitDestruction()
        case .surplus: surplus()
        case .destroy: destroy()
        case .dispatchItems: dispatchItems()
        case .dispatchLots: dispatchLots()
        case .dispatchMANPADS: dispatchMANPADS()
        case .receive: receive()
        case .count: stocktake()
        case .loss: lossOrTheft(.loss)
        case .theft: lossOrTheft(.theft)
        case .lotLoss: lotLoss()
        case .recovery: recovery()
        case .surrenderMissing: surrenderMissing()
        case .surrenderHeld: surrenderHeld()
        case .registerFound: registerFound()
        case .lotRecovery: lotRecovery()
        case .destroyLots: destroyLots()
        case .correction: correction()
        case .acquisition: acquisition()
        case .exerciseStart: exerciseStart()
        case .exerciseStep: exerciseStep()
        }
    }

    // MARK: Helpers

    func event(_ kind: EventKind) -> Event { Event(kind: kind, occurredAt: now) }

    mutating func pick<T>(_ list: [T]) -> T { list[rng.below(list.count)] }

    mutating func days(_ r: ClosedRange<Int>) -> Int { act + eventsPerDay * rng.range(r) }

    /// A unit served by `site`: one of its zone, or any for central and regional sites.
    mutating func unitNear(_ site: Int32) -> Int32 {
        let z = Int(holders[Int(site)].zone)
        if z >= 0, !zoneUnits[z].isEmpty { return pick(zoneUnits[z]) }
        return pick(allUnits)
    }

    mutating func member(of h: Int32) -> Int32 {
        let x = holders[Int(h)]
        return x.firstMember + Int32(rng.below(Int(x.members)))
    }

    /// Two distinct people of a site (its staff) or a unit (its members), to confirm or witness.
    mutating func signatories(_ h: Int32) -> [String] {
        let x = holders[Int(h)]
        guard x.members >= 2 else { return [] }
        let a = rng.below(Int(x.members))
        let b = (a + 1 + rng.below(Int(x.members) - 1)) % Int(x.members)
        return [code(x.firstMember + Int32(a)), code(x.firstMember + Int32(b))]
    }

    /// A random place in the list of what `h` holds, to start looking from.
    mutating func randomStart(_ h: Int32) -> Int {
        let n = held[Int(h)].count
        return n > 0 ? rng.below(n) : 0
    }

    /// Up to `limit` items held by `h` that satisfy `wanted`, looking at no more than `scan`
    /// of them from `start` in its list.
    func collect(at h: Int32, from start: Int, limit: Int, scan: Int, _ wanted: (Int32) -> Bool) -> [Int32] {
        held[Int(h)].withUnsafeBufferPointer { list in
            let n = list.count
            var out: [Int32] = []
            guard n > 0 else { return out }
            var j = start % n
            for _ in 0..<Swift.min(n, scan) {
                let i = list[j]
                if wanted(i) {
                    out.append(i)
                    if out.count >= limit { break }
                }
                j += 1
                if j == n { j = 0 }
            }
            return out
        }
    }

    mutating func pickPair(units: Bool) -> DemoLotPair? {
        for _ in 0..<8 {
            let n = units ? unitLotPairs.count : siteLotPairs.count
            guard n > 0 else { return nil }
            let k = rng.below(n)
            let p = units ? unitLotPairs[k] : siteLotPairs[k]
            if balance(p.lot, p.holder) > 0 { return p }
            if units {
                unitLotPairs.swapAt(k, n - 1)
                unitLotPairs.removeLast()
            } else {
                siteLotPairs.swapAt(k, n - 1)
                siteLotPairs.removeLast()
            }
        }
        return nil
    }

    func pack(_ l: Int32) -> Int64 { Int64(DemoCatalogue.ammunition[Int(lots[Int(l)].ammunition)].pack) }

    /// `percent` of a balance, in whole packets, at least one packet (or what is left).
    func share(_ balance: Int64, percent: Int, pack: Int64) -> Int64 {
        let q = balance * Int64(percent) / 100 / pack * pack
        return q > 0 ? q : Swift.min(balance, pack)
    }

    // MARK: Issue and return

    mutating func issue() -> Event? {
        let s = pick(issuingSites)
        guard !held[Int(s)].isEmpty else { return nil }
        let unit = unitNear(s)
        let mode = rng.below(100)
        var to = unit
        let limit: Int
        var due: Int?
        let reason: String
        let individual: Bool
        if mode < 60, holders[Int(unit)].members > 0 {
            to = member(of: unit)
            limit = rng.percent(20) ? 2 : 1
            due = rng.percent(70) ? rng.range(1...3) : rng.range(7...30)
            reason = pick(DemoCatalogue.issueReasons)
            individual = true
        } else if mode < 99 {
            limit = rng.range(2...12)
            due = rng.range(3...21)
            reason = pick(DemoCatalogue.exerciseReasons)
            individual = false
        } else {
            limit = rng.range(5...15)
            due = rng.percent(30) ? rng.range(120...365) : nil
            reason = pick(DemoCatalogue.allocationReasons)
            individual = false
        }
        let from = randomStart(s)
        let items = collect(at: s, from: from, limit: limit, scan: limit * 4 + 8) { i in
            cond[Int(i)] == .serviceable && !isMANPADS(i) && (!individual || modelIsIndividual[Int(model[Int(i)])])
        }
        guard !items.isEmpty else { return nil }
        var e = event(.issue)
        e.from = code(s)
        e.to = code(to)
        e.items = references(items)
        e.document = document(.voucher)
        e.dueBack = due.map { date(today + $0) }
        e.reason = reason
        for i in items { move(i, to: to) }
        if let due { scheduleReturn(of: items, by: to, to: s, due: due) }
        return e
    }

    /// Most issued items come back on or just before their due date, some late, a few not
    /// at all (they stay overdue).
    mutating func scheduleReturn(of items: [Int32], by holder: Int32, to site: Int32, due: Int) {
        let r = rng.below(10_000)
        guard r >= 5 else { return }
        let late = r < 200
        let delay = late ? due + rng.range(1...14) : due - rng.range(0...Swift.min(due, 2))
        var b = DemoBatch(
            holder: holder, other: site, items: items, readyAt: act + delay * eventsPerDay + rng.below(eventsPerDay))
        b.stage = late ? 1 : 0
        returnQueue.push(b)
    }

    mutating func scheduledReturn() -> Event? {
        guard let b = returnQueue.popReady(act) else { return nil }
        let items = b.items.filter { isAt($0, b.holder) && home[Int($0)] == b.other }
        guard !items.isEmpty else { return nil }
        var e = event(.return)
        e.from = code(b.holder)
        e.to = code(b.other)
        e.items = references(items)
        e.document = document(.voucher)
        if b.stage == 1 { e.note = "Devolución fuera de plazo; se informa al mando de la unidad" }
        for i in items { move(i, to: b.other) }
        return e
    }

    /// An unscheduled return: a unit hands back part of its allocation, a court releases
    /// evidence, a person returns an item early or late.
    mutating func giveBack() -> Event? {
        let r = rng.below(100)
        var c = r < 80 ? 0 : (r < 90 ? 1 : 2)
        if active[c].isEmpty { c = !active[0].isEmpty ? 0 : (!active[1].isEmpty ? 1 : 2) }
        guard !active[c].isEmpty else { return nil }
        let h = pick(active[c])
        let limit = c == 0 ? rng.range(1...25) : Int.max
        var target: Int32 = -1
        var items: [Int32] = []
        for i in held[Int(h)] where !isMANPADS(i) {
            if target < 0 { target = home[Int(i)] }
            if home[Int(i)] == target {
                items.append(i)
                if items.count >= limit { break }
            }
        }
        guard !items.isEmpty else { return nil }
        var e = event(.return)
        e.from = code(h)
        e.to = code(target)
        e.items = references(items)
        e.document = document(.voucher)
        if c == 2 {
            e.reason = "Devolución ordenada por el juzgado tras la pericia balística"
        } else if c == 0, rng.percent(50) {
            e.reason = "Devolución al término del ejercicio"
        }
        for i in items { move(i, to: target) }
        return e
    }

    // MARK: Ammunition

    mutating func issueLots() -> Event? {
        guard let p = pickPair(units: false) else { return nil }
        let s = p.holder
        guard holders[Int(s)].role != .collection, holders[Int(s)].role != .workshop else { return nil }
        let unit = unitNear(s)
        let q = share(balance(p.lot, s), percent: rng.range(2...12), pack: pack(p.lot))
        var e = event(.issue)
        e.from = code(s)
        e.to = code(unit)
        e.lots = [lotReference(p.lot, q)]
        e.document = document(.voucher)
        e.reason = "Dotación de munición para instrucción y servicio"
        addBalance(p.lot, s, -q)
        addBalance(p.lot, unit, q)
        return e
    }

    mutating func expendLots() -> Event? {
        guard let p = pickPair(units: true) else { return nil }
        let b = balance(p.lot, p.holder)
        let q = Swift.max(1, b * Int64(rng.range(30...100)) / 100)
        var e = event(.expend)
        e.from = code(p.holder)
        e.lots = [lotReference(p.lot, q)]
        e.document = document(.firing)
        e.reason = "Consumo en ejercicio de tiro — \(pick(DemoCatalogue.firingRanges))"
        addBalance(p.lot, p.holder, -q)
        return e
    }

    mutating func returnLots() -> Event? {
        guard let p = pickPair(units: true) else { return nil }
        let q = balance(p.lot, p.holder)
        let to = zoneLotSite[Int(holders[Int(p.holder)].zone)]
        var e = event(.return)
        e.from = code(p.holder)
        e.to = code(to)
        e.lots = [lotReference(p.lot, q)]
        e.document = document(.voucher)
        e.reason = "Devolución de munición sobrante"
        addBalance(p.lot, p.holder, -q)
        addBalance(p.lot, to, q)
        return e
    }

    mutating func lotLoss() -> Event? {
        guard let p = pickPair(units: true) else { return nil }
        let q = Swift.min(balance(p.lot, p.holder), Int64(rng.range(1...Int(pack(p.lot)) * 3)))
        let theft = rng.percent(50)
        var e = event(theft ? .theft : .loss)
        e.from = code(p.holder)
        e.lots = [lotReference(p.lot, q)]
        e.document = document(.report)
        e.reason = theft ? "Faltante de munición detectado en el pañol de la unidad" : "Munición extraviada durante el traslado"
        addBalance(p.lot, p.holder, -q)
        if lotMissing[Int(p.lot)] == 0 { missingLots.append(p.lot) }
        lotMissing[Int(p.lot)] += q
        return e
    }

    mutating func lotRecovery() -> Event? {
        for _ in 0..<4 {
            guard !missingLots.isEmpty else { return nil }
            let k = rng.below(missingLots.count)
            let l = missingLots[k]
            let lost = lotMissing[Int(l)]
            if lost == 0 {
                missingLots.swapAt(k, missingLots.count - 1)
                missingLots.removeLast()
                continue
            }
            let q = Int64(rng.range(1...Int(lost)))
            let to = lots[Int(l)].home
            var e = event(.recovery)
            e.to = code(to)
            e.lots = [lotReference(l, q)]
            e.document = document(.seizure)
            e.reason = "Munición recuperada en allanamiento policial"
            lotMissing[Int(l)] -= q
            addBalance(l, to, q)
            return e
        }
        return nil
    }

    mutating func destroyLots() -> Event? {
        guard let p = pickPair(units: false) else { return nil }
        guard lots[Int(p.lot)].year <= 2000 || rng.percent(15) else { return nil }
        let q = share(balance(p.lot, p.holder), percent: rng.range(20...100), pack: pack(p.lot))
        var e = event(.destroy)
        e.from = code(p.holder)
        e.lots = [lotReference(p.lot, q)]
        e.method = "detonación controlada en campo de destrucción"
        e.certificate = document(.destruction)
        e.witnesses = signatories(p.holder)
        e.reason = "Munición vencida o fuera de especificación"
        addBalance(p.lot, p.holder, -q)
        return e
    }

    // MARK: Condition, maintenance and disposal

    mutating func conditionDown() -> Event? {
        if rng.percent(4) { return batteryExpiry() }
        let s = pick(issuingSites)
        let from = randomStart(s)
        let limit = rng.range(1...8)
        let items = collect(at: s, from: from, limit: limit, scan: 48) { i in
            cond[Int(i)] == .serviceable && !isMANPADS(i)
        }
        guard !items.isEmpty else { return nil }
        let r = rng.below(100)
        let c: Condition = r < 45 ? .repairable : (r < 80 ? .unserviceable : .surplus)
        var e = event(.condition)
        e.from = code(s)
        e.items = references(items)
        e.condition = c
        e.reason = pick(DemoCatalogue.conditionReasons[c]!)
        for i in items { cond[Int(i)] = c }
        let batch = DemoBatch(holder: s, other: s, items: items, readyAt: days(2...20))
        switch c {
        case .repairable: repairQueue.push(batch)
        case .unserviceable: unserviceableQueue.push(batch)
        default: surplusQueue.push(batch)
        }
        return e
    }

    /// MANPADS battery-coolant units have a limited life.
    mutating func batteryExpiry() -> Event? {
        let s = pick(manpadsDepots)
        let from = randomStart(s)
        let limit = rng.range(1...6)
        let items = collect(at: s, from: from, limit: limit, scan: Int.max) { i in
            cond[Int(i)] == .serviceable && category(i) == .manpadsBattery
        }
        guard !items.isEmpty else { return nil }
        var e = event(.condition)
        e.from = code(s)
        e.items = references(items)
        e.condition = .unserviceable
        e.reason = "Vida útil del bloque de alimentación y refrigeración vencida"
        for i in items { cond[Int(i)] = .unserviceable }
        unserviceableQueue.push(DemoBatch(holder: s, other: s, items: items, readyAt: days(5...30)))
        return e
    }

    mutating func repairOut() -> Event? {
        guard let b = repairQueue.popReady(act) else { return nil }
        let items = b.items.filter { isAt($0, b.holder) && cond[Int($0)] == .repairable }
        guard !items.isEmpty else { return nil }
        var workshop = regionWorkshop[Int(holders[Int(b.holder)].region)]
        if items.allSatisfy({ modelManufacturer[Int(model[Int($0)])] == "FN Herstal" }), rng.percent(50) {
            workshop = manufacturerExternal
        }
        let order = document(.workOrder)
        var e = event(.maintenanceOut)
        e.from = code(b.holder)
        e.to = code(workshop)
        e.items = references(items)
        e.dueBack = date(today + rng.range(14...60))
        e.document = order
        e.reason =
            workshop == manufacturerExternal ? "Reparación en fábrica (garantía de servicio)" : "Reparación de segundo escalón"
        for i in items { move(i, to: workshop) }
        var next = DemoBatch(holder: workshop, other: b.holder, items: items, readyAt: days(3...20))
        next.document = order
        maintenanceQueue.push(next)
        return e
    }

    /// At the workshop: first the repair result (a condition), then the way back.
    mutating func maintenanceStep() -> Event? {
        guard var b = maintenanceQueue.popReady(act) else { return nil }
        let items = b.items.filter { isAt($0, b.holder) }
        guard !items.isEmpty else { return nil }
        if b.stage == 0 {
            let fixed = rng.percent(85)
            var e = event(.condition)
            e.from = code(b.holder)
            e.items = references(items)
            e.condition = fixed ? .serviceable : .unserviceable
            e.reason = fixed ? "Reparado y probado en banco de pruebas" : "Reparación no económica; se propone la baja"
            e.document = b.document
            for i in items { cond[Int(i)] = e.condition! }
            b.items = items
            b.stage = 1
            b.readyAt = days(1...6)
            maintenanceQueue.push(b)
            return e
        }
        var e = event(.maintenanceIn)
        e.from = code(b.holder)
        e.to = code(b.other)
        e.items = references(items)
        e.document = b.document
        for i in items { move(i, to: b.other) }
        let broken = items.filter { cond[Int($0)] == .unserviceable }
        if !broken.isEmpty {
            unserviceableQueue.push(DemoBatch(holder: b.other, other: b.other, items: broken, readyAt: days(5...30)))
        }
        return e
    }

    mutating func awaitDestruction() -> Event? {
        guard let b = unserviceableQueue.popReady(act) else { return nil }
        return markForDestruction(b)
    }

    mutating func markForDestruction(_ b: DemoBatch) -> Event? {
        let items = b.items.filter { isAt($0, b.holder) && cond[Int($0)] != .awaitingDestruction }
        guard !items.isEmpty else { return nil }
        var e = event(.condition)
        e.from = code(b.holder)
        e.items = references(items)
        e.condition = .awaitingDestruction
        e.reason = "Dictamen de baja definitiva; pendiente de destrucción"
        for i in items { cond[Int(i)] = .awaitingDestruction }
        destructionQueue.push(DemoBatch(holder: b.holder, other: b.holder, items: items, readyAt: days(5...40)))
        return e
    }

    /// Surplus goes for destruction, some for deactivation; some waits for an export.
    mutating func surplus() -> Event? {
        guard let b = surplusQueue.popReady(act) else { return nil }
        let items = b.items.filter { isAt($0, b.holder) && cond[Int($0)] == .surplus }
        guard !items.isEmpty else { return nil }
        let r = rng.below(100)
        if r < 40 { return nil }  // kept at the site for the next export
        if r < 50 {
            var e = event(.deactivate)
            e.from = code(b.holder)
            e.items = references(items)
            e.method = "cañón obstruido y cerrojo soldado según norma técnica"
            e.certificate = document(.deactivation)
            e.reason = "Inutilización para la colección del museo de armas"
            for i in items {
                unplace(i)
                status[Int(i)] = .gone
            }
            return e
        }
        return markForDestruction(DemoBatch(holder: b.holder, other: b.holder, items: items, readyAt: act))
    }

    /// A few times a year, surplus is exported under licence from the site that has most.
    mutating func scheduledExport() -> Event? {
        guard let day = exportDays.last, today >= day else { return nil }
        exportDays.removeLast()
        var best: Int32 = -1
        var bestCount = 0
        for s in issuingSites {
            let n = held[Int(s)].reduce(0) { $0 + (cond[Int($1)] == .surplus ? 1 : 0) }
            if n > bestCount {
                best = s
                bestCount = n
            }
        }
        guard best >= 0 else { return nil }
        let items = collect(at: best, from: 0, limit: 150, scan: Int.max) { cond[Int($0)] == .surplus }
        let to = pick(foreignStates)
        let country = DemoCatalogue.exportCountries[code(to)] ?? ""
        var e = event(.export)
        e.from = code(best)
        e.to = code(to)
        e.items = references(items)
        e.licence = document(.licence)
        e.destinationCountry = country
        e.document = document(.export)
        e.reason = "Transferencia de excedentes a las fuerzas armadas de \(country)"
        e.note = "Certificado de usuario final verificado; sin riesgo sustancial de desvío"
        e.confirmedBy = signatories(best)
        for i in items {
            unplace(i)
            status[Int(i)] = .gone
        }
        return e
    }

    /// Destruction at the site, or a transfer to the destruction facility first.
    mutating func destroy() -> Event? {
        guard let b = destructionQueue.popReady(act) else { return nil }
        let items = b.items.filter { isAt($0, b.holder) && cond[Int($0)] == .awaitingDestruction }
        guard !items.isEmpty else { return nil }
        let manpads = items.contains { isMANPADS($0) }
        let atFacility = b.holder == destructionFacility
        if !atFacility, rng.percent(25) {
            let doc = document(.transfer)
            var e = event(.dispatch)
            e.from = code(b.holder)
            e.to = code(destructionFacility)
            e.items = references(items)
            e.document = doc
            e.reason = "Traslado a la planta de desmilitarización para su destrucción"
            if manpads { e.confirmedBy = signatories(b.holder) }
            for i in items {
                unplace(i)
                status[Int(i)] = .inTransit
            }
            transitQueue.push(
                DemoTransit(
                    document: doc, from: b.holder, to: destructionFacility, items: items, lots: [], readyAt: days(1...5),
                    forDestruction: true, manpads: manpads))
            return e
        }
        let witnessSite = atFacility ? b.other : b.holder
        var e = event(.destroy)
        e.from = code(b.holder)
        e.items = references(items)
        e.method = pick(DemoCatalogue.destructionMethods)
        e.certificate = document(.destruction)
        e.witnesses = signatories(witnessSite)
        e.reason = "Destrucción de material dado de baja"
        if manpads { e.confirmedBy = signatories(witnessSite) }
        for i in items {
            unplace(i)
            status[Int(i)] = .gone
        }
        return e
    }

    // MARK: Transfers

    mutating func dispatchItems() -> Event? {
        let s = pick(issuingSites)
        guard !held[Int(s)].isEmpty else { return nil }
        var d = s
        for _ in 0..<4 where d == s { d = pick(issuingSites) }
        guard d != s else { return nil }
        let from = randomStart(s)
        let limit = rng.range(5...30)
        let items = collect(at: s, from: from, limit: limit, scan: 120) { i in
            cond[Int(i)] == .serviceable && !isMANPADS(i)
        }
        guard !items.isEmpty else { return nil }
        var lotsOut: [(Int32, Int64)] = []
        let stock = siteLots[Int(s)]
        if !stock.isEmpty, rng.percent(25) {
            let l = stock[rng.below(stock.count)]
            let b = balance(l, s)
            if b > 0 { lotsOut.append((l, share(b, percent: rng.range(10...40), pack: pack(l)))) }
        }
        return dispatch(from: s, to: d, items: items, lots: lotsOut, reason: "Redistribución de existencias entre depósitos")
    }

    mutating func dispatchLots() -> Event? {
        guard let p = pickPair(units: false) else { return nil }
        var d = p.holder
        for _ in 0..<4 where d == p.holder { d = pick(lotSites) }
        guard d != p.holder else { return nil }
        let q = share(balance(p.lot, p.holder), percent: rng.range(10...50), pack: pack(p.lot))
        return dispatch(from: p.holder, to: d, items: [], lots: [(p.lot, q)], reason: "Reabastecimiento de munición")
    }

    mutating func dispatchMANPADS() -> Event? {
        guard manpadsMagazines.count >= 2 else { return nil }
        let s = pick(manpadsMagazines)
        var d = s
        for _ in 0..<4 where d == s { d = pick(manpadsMagazines) }
        guard d != s else { return nil }
        let from = randomStart(s)
        let limit = rng.range(2...8)
        let items = collect(at: s, from: from, limit: limit, scan: Int.max) { i in
            cond[Int(i)] == .serviceable && category(i) == .manpadsMissile
        }
        guard !items.isEmpty else { return nil }
        var e = dispatch(
            from: s, to: d, items: items, lots: [], reason: "Redistribución de misiles entre polvorines autorizados",
            manpads: true)
        e.confirmedBy = signatories(s)
        return e
    }

    mutating func dispatch(
        from s: Int32, to d: Int32, items: [Int32], lots lotsOut: [(Int32, Int64)], reason: String, manpads: Bool = false
    ) -> Event {
        let doc = document(.transfer)
        var e = event(.dispatch)
        e.from = code(s)
        e.to = code(d)
        e.items = references(items)
        e.lots = lotsOut.map { lotReference($0.0, $0.1) }
        e.document = doc
        e.reason = reason
        for i in items {
            unplace(i)
            status[Int(i)] = .inTransit
        }
        for (l, q) in lotsOut { addBalance(l, s, -q) }
        transitQueue.push(
            DemoTransit(document: doc, from: s, to: d, items: items, lots: lotsOut, readyAt: days(1...4), manpads: manpads))
        return e
    }

    /// Receives a dispatch, sometimes in part: half the items now and the rest later, or a
    /// lot short by a few rounds (which sometimes never arrive).
    mutating func receive() -> Event? {
        guard var t = transitQueue.popReady(act) else { return nil }
        var arriving = t.items
        var later: [Int32] = []
        if !t.partlyReceived, t.items.count >= 4, rng.percent(10) {
            let half = t.items.count / 2
            arriving = Array(t.items[..<half])
            later = Array(t.items[half...])
        }
        var lotsNow: [(Int32, Int64)] = []
        var lotsLater: [(Int32, Int64)] = []
        for (l, q) in t.lots {
            if !t.partlyReceived, q >= 2, rng.percent(15) {
                let short = Swift.max(1, q * Int64(rng.range(1...5)) / 100)
                lotsNow.append((l, q - short))
                lotsLater.append((l, short))
            } else {
                lotsNow.append((l, q))
            }
        }
        var e = event(.receive)
        e.from = code(t.from)
        e.to = code(t.to)
        e.items = references(arriving)
        e.lots = lotsNow.map { lotReference($0.0, $0.1) }
        e.document = t.document
        if !later.isEmpty {
            e.note = "Recepción parcial: \(arriving.count) de \(t.items.count) armas; el resto llega en un segundo envío"
        } else if let (l, q) = lotsLater.first {
            e.note = "Faltan \(q) unidades del lote \(lots[Int(l)].number); se levanta acta de discrepancia"
        }
        if t.manpads { e.confirmedBy = signatories(t.to) }
        for i in arriving {
            place(i, at: t.to)
            home[Int(i)] = t.to
        }
        for (l, q) in lotsNow { addBalance(l, t.to, q) }
        if t.forDestruction, !arriving.isEmpty {
            destructionQueue.push(DemoBatch(holder: t.to, other: t.from, items: arriving, readyAt: days(3...30)))
        }
        if !later.isEmpty || (!lotsLater.isEmpty && rng.percent(97)) {
            t.items = later
            t.lots = lotsLater
            t.partlyReceived = true
            t.readyAt = days(2...10)
            transitQueue.push(t)
        }
        return e
    }

    // MARK: Stocktakes

    /// A stocktake of one section of a site: up to `countSize` items and its lots, in turn.
    mutating func stocktake() -> Event? {
        for _ in 0..<countSites.count {
            let s = countSites[countCursor]
            countCursor = (countCursor + 1) % countSites.count
            let list = held[Int(s)]
            var items: [Int32] = []
            if !list.isEmpty {
                var o = Int(countOffset[Int(s)]) % list.count
                let size = Swift.max(params.countSize, (list.count + params.countRounds - 1) / params.countRounds)
                for _ in 0..<Swift.min(list.count, size) {
                    items.append(list[o])
                    o = o + 1 == list.count ? 0 : o + 1
                }
                countOffset[Int(s)] = Int32(o)
            }
            var counted: [LotReference] = []
            for l in siteLots[Int(s)] {
                let b = balance(l, s)
                if b > 0 { counted.append(lotReference(l, b)) }
                if counted.count >= 12 { break }
            }
            if items.isEmpty, counted.isEmpty { continue }
            var e = event(.count)
            e.from = code(s)
            e.items = references(items)
            e.lots = counted
            e.document = document(.countReport)
            e.note = "Inventario físico por sección; sin novedad"
            e.confirmedBy = signatories(s)
            return e
        }
        return nil
    }

    /// MANPADS are counted by serial every 28 days at every site that stores them.
    mutating func scheduledMANPADSCount() -> Event? {
        while today >= nextMANPADSCountDay {
            manpadsCountCursor = 0
            nextMANPADSCountDay += 28
        }
        while manpadsCountCursor < manpadsSites.count {
            let s = manpadsSites[manpadsCountCursor]
            manpadsCountCursor += 1
            let items = held[Int(s)].filter { isMANPADS($0) }
            if items.isEmpty { continue }
            var e = event(.count)
            e.from = code(s)
            e.items = references(items)
            e.document = document(.countReport)
            e.note = "Recuento mensual por número de serie de componentes MANPADS"
            e.confirmedBy = signatories(s)
            return e
        }
        return nil
    }

    // MARK: Losses, recoveries, surrenders

    mutating func lossOrTheft(_ kind: EventKind) -> Event? {
        var c = rng.percent(75) ? 1 : 0
        if active[c].isEmpty { c = 1 - c }
        guard !active[c].isEmpty else { return nil }
        let h = pick(active[c])
        let limit = c == 0 && kind == .theft ? rng.range(1...3) : 1
        let from = randomStart(h)
        let items = collect(at: h, from: from, limit: limit, scan: 16) { !isMANPADS($0) }
        guard !items.isEmpty else { return nil }
        var e = event(kind)
        e.from = code(h)
        e.items = references(items)
        e.document = document(.report)
        e.reason = pick(kind == .theft ? DemoCatalogue.theftReasons : DemoCatalogue.lossReasons)
        for i in items { addMissing(i) }
        return e
    }

    /// Twice a year a MANPADS missile is stolen from a magazine, and not recovered: the
    /// critical alert of the policy pack, with the report due to the exporting state.
    mutating func scheduledMANPADSTheft() -> Event? {
        guard let day = manpadsTheftDays.last, today >= day else { return nil }
        manpadsTheftDays.removeLast()
        for s in manpadsSites {
            guard let i = held[Int(s)].first(where: { category($0) == .manpadsMissile }) else { continue }
            var e = event(.theft)
            e.from = code(s)
            e.items = [reference(i)]
            e.document = document(.report)
            e.reason = "Falta un misil en el recuento; indicios de sustracción del polvorín"
            unplace(i)
            status[Int(i)] = .missing
            return e
        }
        return nil
    }

    /// The last event: a unit is disbanded (closed) while it still holds weapons, which are
    /// to be collected.
    mutating func disbandUnit() -> Event? {
        guard let unit = allUnits.first(where: { !held[Int($0)].isEmpty }) else { return nil }
        var e = event(.holderClose)
        e.holder = HolderChange(code: code(unit))
        e.document = document(.register)
        e.reason = "Disolución de la unidad; armamento pendiente de recogida"
        return e
    }

    mutating func recovery() -> Event? {
        guard !missing.isEmpty else { return nil }
        let i = pick(missing)
        let to = rng.percent(70) ? home[Int(i)] : court
        var e = event(.recovery)
        e.to = code(to)
        e.items = [reference(i)]
        e.document = document(.seizure)
        e.reason = pick(DemoCatalogue.recoveryReasons)
        if to == court { e.note = "Queda a disposición del juzgado como elemento de prueba" }
        removeMissing(i)
        place(i, at: to)
        return e
    }

    mutating func collectionSite(near h: Int32) -> Int32 {
        let r = Int(holders[Int(h)].region)
        return r >= 0 ? regionCollection[r] : pick(collections)
    }

    mutating func surrenderMissing() -> Event? {
        guard !missing.isEmpty else { return nil }
        let i = pick(missing)
        let to = collectionSite(near: home[Int(i)])
        var e = event(.surrender)
        e.to = code(to)
        e.items = [reference(i)]
        e.document = document(.ddr)
        e.reason = "Entregada por un particular en el marco del programa DDR"
        removeMissing(i)
        place(i, at: to)
        home[Int(i)] = to
        unserviceableQueue.push(DemoBatch(holder: to, other: to, items: [i], readyAt: days(5...30)))
        return e
    }

    mutating func surrenderHeld() -> Event? {
        var c = rng.percent(60) ? 0 : 1
        if active[c].isEmpty { c = 1 - c }
        guard !active[c].isEmpty else { return nil }
        let h = pick(active[c])
        let limit = c == 0 ? rng.range(1...5) : rng.range(1...2)
        let from = randomStart(h)
        let items = collect(at: h, from: from, limit: limit, scan: 24) { !isMANPADS($0) }
        guard !items.isEmpty else { return nil }
        let to = collectionSite(near: h)
        var e = event(.surrender)
        e.from = code(h)
        e.to = code(to)
        e.items = references(items)
        e.document = document(.ddr)
        e.reason =
            c == 0
            ? "Entrega en centro de acopio por desmovilización de la unidad" : "Entrega en centro de acopio por baja del servicio"
        for i in items {
            move(i, to: to)
            home[Int(i)] = to
        }
        unserviceableQueue.push(DemoBatch(holder: to, other: to, items: items, readyAt: days(5...30)))
        return e
    }

    /// Weapons handed in that were never on the books: registered with a state-assigned mark.
    mutating func registerFound() -> Event? {
        guard !collections.isEmpty else { return nil }
        let to = pick(collections)
        var e = event(.register)
        e.to = code(to)
        var items: [Int32] = []
        for _ in 0..<rng.range(1...4) {
            let m = Int(modelTables[Table.found.rawValue].pick(&rng))
            let i = newItem(m, at: to, condition: .serviceable, assigned: true)
            items.append(i)
            e.registrations.append(marking(i))
        }
        e.document = document(.ddr)
        e.reason = "Entrega voluntaria de armas sin registro (programa DDR); marca asignada por el Estado"
        unserviceableQueue.push(DemoBatch(holder: to, other: to, items: items, readyAt: days(5...30)))
        return e
    }

    // MARK: Acquisitions, corrections

    mutating func acquisition() -> Event? {
        let m = Int(modelTables[Table.acquisition.rawValue].pick(&rng))
        var e = event(.register)
        e.to = code(centralDepot)
        for _ in 0..<rng.range(10...50) {
            let i = newItem(m, at: centralDepot, condition: .serviceable, assigned: false)
            e.registrations.append(marking(i, year: todayYear))
        }
        if rng.percent(50) {
            for _ in 0..<rng.range(1...2) { e.lotRegistrations.append(newLot(at: centralDepot, year: todayYear)) }
        }
        e.document = document(.acquisition)
        e.reason = "Alta por importación — contrato de adquisición \(todayYear)"
        return e
    }

    mutating func correction() -> Event? {
        guard yielded > 0 else { return nil }
        let lower = yielded > activityStart ? activityStart : 0
        var e = event(.correction)
        e.corrects = Int64(lower + rng.below(yielded - lower))
        e.reason = pick(DemoCatalogue.correctionReasons)
        return e
    }

    // MARK: MANPADS live-fire exercise

    mutating func exerciseStart() -> Event? {
        guard !manpadsDepots.isEmpty, !manpadsMagazines.isEmpty else { return nil }
        let d = pick(manpadsDepots)
        let region = holders[Int(d)].region
        let magazine = manpadsMagazines.first { holders[Int($0)].region == region } ?? pick(manpadsMagazines)
        var gripstock: Int32 = -1
        var battery: Int32 = -1
        for i in held[Int(d)] where cond[Int(i)] == .serviceable {
            let c = category(i)
            if c == .manpadsLaunchMechanism, gripstock < 0 { gripstock = i }
            if c == .manpadsBattery, battery < 0 { battery = i }
            if gripstock >= 0, battery >= 0 { break }
        }
        guard gripstock >= 0, battery >= 0 else { return nil }
        let unit = unitNear(d)
        guard holders[Int(unit)].members >= 2 else { return nil }
        var e = event(.issue)
        e.from = code(d)
        e.to = code(unit)
        e.items = references([gripstock, battery])
        e.dueBack = date(today + 7)
        e.document = document(.voucher)
        e.reason = "Ejercicio de tiro real con MANPADS"
        e.confirmedBy = signatories(d)
        move(gripstock, to: unit)
        move(battery, to: unit)
        exerciseQueue.push(
            DemoExercise(
                depot: d, magazine: magazine, unit: unit, gripstock: gripstock, battery: battery, readyAt: days(1...3)))
        return e
    }

    mutating func exerciseStep() -> Event? {
        guard var x = exerciseQueue.popReady(act) else { return nil }
        switch x.stage {
        case 1:
            let from = randomStart(x.magazine)
            let missiles = collect(at: x.magazine, from: from, limit: 1, scan: Int.max) { i in
                cond[Int(i)] == .serviceable && category(i) == .manpadsMissile
            }
            guard let missile = missiles.first else {
                x.stage = 3
                x.readyAt = act
                exerciseQueue.push(x)
                return nil
            }
            var e = event(.issue)
            e.from = code(x.magazine)
            e.to = code(x.unit)
            e.items = [reference(missile)]
            e.dueBack = date(today + 7)
            e.document = document(.voucher)
            e.reason = "Ejercicio de tiro real con MANPADS"
            e.confirmedBy = signatories(x.magazine)
            move(missile, to: x.unit)
            x.missile = missile
            x.stage = 2
            x.readyAt = days(1...2)
            exerciseQueue.push(x)
            return e
        case 2:
            var e = event(.expend)
            e.from = code(x.unit)
            e.items = references([x.missile, x.battery])
            e.document = document(.firing)
            e.reason = "Disparo de instrucción — \(pick(DemoCatalogue.firingRanges))"
            e.confirmedBy = signatories(x.unit)
            for i in [x.missile, x.battery] {
                unplace(i)
                status[Int(i)] = .gone
            }
            x.stage = 3
            x.readyAt = days(0...1)
            exerciseQueue.push(x)
            return e
        default:
            var items = [x.gripstock]
            if isAt(x.battery, x.unit) { items.append(x.battery) }
            var e = event(.return)
            e.from = code(x.unit)
            e.to = code(x.depot)
            e.items = references(items)
            e.document = document(.voucher)
            e.reason = "Devolución al término del ejercicio de tiro MANPADS"
            e.confirmedBy = signatories(x.depot)
            for i in items { move(i, to: x.depot) }
            return e
        }
    }
}
