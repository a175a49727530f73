/// Follow-up work (a receive after a dispatch, a return when an issue falls due, a repair
/// after a fault), each entry ready from a given point of the activity: a binary min-heap
/// on that point.
struct DemoQueue<Element: DemoScheduled> {
    /// The heap: ready points, and where each entry is stored.
    private var keys: [Int] = []
    private var slots: [Int32] = []
    private var storage: [Element?] = []
    private var free: [Int32] = []

    var count: Int { keys.count }

    mutating func push(_ e: Element) {
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            storage[Int(slot)] = e
        } else {
            slot = Int32(storage.count)
            storage.append(e)
        }
        keys.append(e.readyAt)
        slots.append(slot)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            swap(child, parent)
            child = parent
        }
    }

    /// The entry due first, if it is ready at `now`.
    mutating func popReady(_ now: Int) -> Element? {
        guard let key = keys.first, key <= now else { return nil }
        let slot = slots[0]
        swap(0, keys.count - 1)
        keys.removeLast()
        slots.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < keys.count else { break }
            var child = left
            if left + 1 < keys.count, keys[left + 1] < keys[left] { child = left + 1 }
            guard keys[child] < keys[parent] else { break }
            swap(child, parent)
            parent = child
        }
        free.append(slot)
        return storage[Int(slot)].take()
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        slots.swapAt(a, b)
    }
}

protocol DemoScheduled {
    /// The activity index from which the entry may be handled.
    var readyAt: Int { get }
}

/// Items waiting at one holder for the next step of a pipeline.
struct DemoBatch: DemoScheduled {
    var holder: Int32
    /// The other holder concerned: the home site for repairs, the origin for destruction.
    var other: Int32
    var items: [Int32]
    var readyAt: Int
    var stage: UInt8 = 0
    /// The work order that follows the batch through maintenance.
    var document = ""
}

/// A dispatch not yet fully received.
struct DemoTransit: DemoScheduled {
    var document: String
    var from: Int32
    var to: Int32
    var items: [Int32]
    /// Lot index and quantity.
    var lots: [(Int32, Int64)]
    var readyAt: Int
    var partlyReceived = false
    /// Sent to the destruction facility: destroy on arrival.
    var forDestruction = false
    var manpads = false
}

/// A MANPADS live-fire exercise, step by step: issue the gripstock and battery, issue a
/// missile, fire it, return the gripstock.
struct DemoExercise: DemoScheduled {
    var depot: Int32
    var magazine: Int32
    var unit: Int32
    var gripstock: Int32
    var battery: Int32
    var missile: Int32 = -1
    var stage: UInt8 = 1
    var readyAt: Int
}

/// Which lot is at which holder (a hint: the balance decides).
struct DemoLotPair {
    var holder: Int32
    var lot: Int32
}

/// An ammunition lot of the demo data.
struct DemoLot {
    var number: String
    var ammunition: Int16
    var maker: Int16
    var year: Int16
    /// The site it was registered at; unused ammunition returns there.
    var home: Int32

    var manufacturer: String { DemoCatalogue.ammunitionMakers[Int(maker)].name }
}

/// A holder of the demo tree.
struct DemoHolder {
    var code: String
    var kind: HolderKind
    var role: DemoRole
    /// Empty for people: their names are made when the holder-add is written.
    var name: String
    var parent: Int32
    var region: Int32
    /// Zone ordinal, or -1 above zone level.
    var zone: Int32
    /// Units: their members; sites: their staff.
    var firstMember: Int32 = -1
    var members: Int32 = 0
}

/// A cumulative weight table for picking from a list.
struct DemoWeights {
    private(set) var values: [Int32] = []
    private var cumulative: [Int] = []
    private(set) var total = 0

    mutating func add(_ value: Int32, weight: Int) {
        guard weight > 0 else { return }
        total += weight
        values.append(value)
        cumulative.append(total)
    }

    var isEmpty: Bool { values.isEmpty }

    func pick(_ rng: inout DemoRandom) -> Int32 {
        let r = rng.below(total)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }
}
