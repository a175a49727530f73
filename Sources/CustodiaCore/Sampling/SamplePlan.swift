/// What a `sample-plan` commits to: the population (its filter, size and the SHA-256 of its
/// sorted item identities at the plan's ledger position), the declared figure, the method
/// and its parameters, and the outside value the draw will also rest on, when one is named.
///
/// The population is the items held (status `held`) of the categories listed (all when
/// none), of the model given, under the holder given (the whole register when none).
public struct SamplePlan: Sendable, Equatable {
    public var categories: [Category]
    public var model: String?
    /// The holder whose subtree is sampled; nil: the whole register. The plan's `from`.
    public var holder: String?
    /// The population's size and the SHA-256 of `SampleDraw.populationBytes`.
    public var size: Int64
    public var hash: String
    /// The figure the inspected party declares, when it declares one.
    public var declared: Int64?
    public var confidence: String
    /// The number of missing items the sample is sized to reveal (`--detect`), if it was.
    public var detect: Int64?
    /// The sample size.
    public var sample: Int64
    /// A public randomness value fixed in advance that the draw will also use (e.g. a
    /// drand round), named here; its value is given to the draw once published.
    public var beacon: String?

    public static let method = "hypergeometric-v1"

    public init(
        categories: [Category] = [], model: String? = nil, holder: String? = nil, size: Int64, hash: String, declared: Int64? = nil,
        confidence: String, detect: Int64? = nil, sample: Int64, beacon: String? = nil
    ) {
        self.categories = categories
        self.model = model
        self.holder = holder
        self.size = size
        self.hash = hash
        self.declared = declared
        self.confidence = confidence
        self.detect = detect
        self.sample = sample
        self.beacon = beacon
    }

    /// Whether an item belongs to the population (its holder is checked separately).
    public func admits(_ marking: ItemMarking) -> Bool {
        (categories.isEmpty || categories.contains(marking.category)) && (model == nil || marking.model == model)
    }

    public var jsonValue: JSONValue {
        var population: [(String, JSONValue)] = []
        if !categories.isEmpty { population.append(("categories", .array(categories.map { .string($0.rawValue) }))) }
        if let holder { population.append(("holder", .string(holder))) }
        if let model { population.append(("model", .string(model))) }
        var m: [(String, JSONValue)] = []
        if let beacon { m.append(("beacon", .string(beacon))) }
        m.append(("confidence", .string(confidence)))
        if let declared { m.append(("declared", .int(declared))) }
        if let detect { m.append(("detect", .int(detect))) }
        m += [
            ("hash", .string(hash)), ("method", .string(Self.method)), ("population", .object(population)), ("sample", .int(sample)),
            ("size", .int(size)),
        ]
        return .object(m)
    }

    /// Reads the `plan` member of a `sample-plan`.
    public init(json value: JSONValue) throws(FieldError) {
        guard let object = value.objectValue else { throw FieldError("plan", "expected an object") }
        var plan = SamplePlan(size: -1, hash: "", confidence: "", sample: -1)
        var method: String?
        for (key, v) in object {
            let field = "plan.\(key)"
            switch key {
            case "beacon": plan.beacon = try Event.text(v, field)
            case "confidence": plan.confidence = try Confidence(try Event.text(v, field)).text
            case "declared": plan.declared = try StocktakeOpening.count(v, field)
            case "detect": plan.detect = try StocktakeOpening.count(v, field)
            case "hash":
                guard let s = v.stringValue, Hex.isSHA256(s) else { throw FieldError(field, "expected 64 lowercase hex digits") }
                plan.hash = s
            case "method": method = try Event.text(v, field)
            case "sample": plan.sample = try StocktakeOpening.count(v, field)
            case "size": plan.size = try StocktakeOpening.count(v, field)
            case "population":
                guard let p = v.objectValue else { throw FieldError(field, "expected an object") }
                for (k, x) in p {
                    switch k {
                    case "holder": plan.holder = try Event.code(x, "\(field).holder")
                    case "model": plan.model = try Event.text(x, "\(field).model")
                    case "categories":
                        guard case .array(let list) = x else { throw FieldError("\(field).categories", "expected a list") }
                        for c in list {
                            guard let s = c.stringValue, let category = Category(rawValue: s) else {
                                throw FieldError("\(field).categories", "unknown category; use \(Category.allCases.map(\.rawValue).joined(separator: ", "))")
                            }
                            plan.categories.append(category)
                        }
                    default: throw FieldError("\(field).\(k)", "not a field of a population; it has categories, model and holder")
                    }
                }
            default: throw FieldError(field, "not a field of a sample plan")
            }
        }
        guard method == Self.method else { throw FieldError("plan.method", "expected \(Self.method)") }
        guard plan.size >= 0, plan.sample >= 0, !plan.hash.isEmpty, !plan.confidence.isEmpty else {
            throw FieldError("plan", "incomplete; a plan has size, hash, confidence, sample and method")
        }
        self = plan
    }
}

/// What an inspector finds of one sampled item.
public enum SampleFinding: String, Sendable, CaseIterable, Codable {
    case present
    case unserviceable
    case markingMismatch = "marking-mismatch"
    case notFound = "not-found"
}
