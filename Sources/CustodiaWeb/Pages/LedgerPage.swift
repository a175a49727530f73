/// The ledger page: the latest signed checkpoint, the verifier key, and how someone
/// outside checks them.
public struct LedgerPage: Sendable {
    /// The latest signed checkpoint, exactly as served at `/tlog/checkpoint`.
    public var checkpoint: String
    /// The verifier key line `name+hexkeyid+base64(0x01‖pubkey)`.
    public var verifierKey: String
    public var status: LedgerStatus
    /// The site's base URL (e.g. `https://registry.example.org`), so that the instructions
    /// show full URLs; empty for paths only.
    public var baseURL: String
    /// The witnesses that cosign the checkpoints (none configured: empty).
    public var witnesses: [WitnessRow]
    /// How many of them must cosign before a checkpoint is served.
    public var quorum: Int

    public init(
        checkpoint: String, verifierKey: String, status: LedgerStatus, baseURL: String = "", witnesses: [WitnessRow] = [],
        quorum: Int = 0
    ) {
        self.checkpoint = checkpoint
        self.verifierKey = verifierKey
        self.status = status
        self.baseURL = baseURL
        self.witnesses = witnesses
        self.quorum = quorum
    }
}

/// A witness as the ledger page shows it.
public struct WitnessRow: Sendable {
    public var name: String
    /// nil before the server first submitted a checkpoint to it.
    public var up: Bool?
    public var cosignedSize: Int64?
    /// `YYYY-MM-DDThh:mm:ssZ`.
    public var lastCosignedAt: String?
    public var lastError: String?
    /// The witness's verifier key, for the monitor command.
    public var verifierKey: String

    public init(name: String, up: Bool?, cosignedSize: Int64?, lastCosignedAt: String?, lastError: String?, verifierKey: String) {
        self.name = name
        self.up = up
        self.cosignedSize = cosignedSize
        self.lastCosignedAt = lastCosignedAt
        self.lastError = lastError
        self.verifierKey = verifierKey
    }
}

/// The inclusion proof of one entry: the leaf, its hash, the audit path and the root.
public struct ProofPage: Sendable {
    public var index: Int64
    public var size: Int64
    /// The leaf: the event's canonical JSON, exactly as hashed.
    public var leaf: String
    public var leafHash: String
    public var root: String
    /// The audit path, leaf to root.
    public var proof: [String]
    /// The signed checkpoint of `size`.
    public var checkpoint: String
    /// The same proof from the JSON API, when the server offers it.
    public var jsonURL: String?

    public init(
        index: Int64, size: Int64, leaf: String, leafHash: String, root: String, proof: [String], checkpoint: String,
        jsonURL: String? = nil
    ) {
        self.index = index
        self.size = size
        self.leaf = leaf
        self.leafHash = leafHash
        self.root = root
        self.proof = proof
        self.checkpoint = checkpoint
        self.jsonURL = jsonURL
    }
}

struct LedgerDisplay {
    let checkpoint: String
    let verifierKey: String
    let status: LedgerStatusDisplay
    let checkpointURL: String
    let tileURL: String
    let entriesURL: String
    let keyCommand: String
    let fetchCommand: String
    let checkCommand: String
    let checkEntriesCommand: String
    let entriesCommand: String
    let proveCommand: String
    let monitorCommand: String
    let witnesses: [WitnessDisplay]
    let hasWitnesses: Bool
    let quorumText: String

    struct WitnessDisplay {
        let name: String
        let state: String
        let stateClass: String
        let cosignedSize: String
        let lastCosignedAt: String
        let lastError: String
    }

    init(_ page: LedgerPage, messages: Messages) {
        checkpoint = page.checkpoint
        verifierKey = page.verifierKey
        status = LedgerStatusDisplay(page.status, messages: messages)
        let base = page.baseURL.hasSuffix("/") ? String(page.baseURL.dropLast()) : page.baseURL
        checkpointURL = base + "/tlog/checkpoint"
        tileURL = base + "/tlog/tile/<L>/<N>[.p/<W>]"
        entriesURL = base + "/tlog/tile/entries/<N>[.p/<W>]"
        keyCommand = "echo '\(page.verifierKey)' > verifier-key.txt"
        fetchCommand = "curl -o checkpoint.txt \(checkpointURL)"
        checkCommand = "custodia ledger check --key \"$(cat verifier-key.txt)\" --checkpoint checkpoint.txt"
        checkEntriesCommand = checkCommand + " --entries entries.txt"
        entriesCommand = "custodia ledger entries > entries.txt"
        proveCommand = "custodia ledger prove consistency OLD NEW --json"
        let format = LocalFormat(messages.language)
        var monitor = "custodia ledger monitor \(base.isEmpty ? "URL" : base) --key \"$(cat verifier-key.txt)\" --state monitor.state"
        for witness in page.witnesses { monitor += " \\\n  --witness '\(witness.verifierKey)'" }
        if !page.witnesses.isEmpty, page.quorum != page.witnesses.count { monitor += " --quorum \(page.quorum)" }
        monitorCommand = monitor
        witnesses = page.witnesses.map { row in
            let state: (String, String) =
                switch row.up {
                case true?: (messages["ledger.witnessUp"], "ok")
                case false?: (messages["ledger.witnessDown"], "warn")
                case nil: (messages["ledger.witnessPending"], "")
                }
            return WitnessDisplay(
                name: row.name, state: state.0, stateClass: state.1,
                cosignedSize: row.cosignedSize.map { format.number($0) } ?? "—",
                lastCosignedAt: row.lastCosignedAt.map { format.dateTime($0) } ?? "—", lastError: row.lastError ?? "")
        }
        hasWitnesses = !page.witnesses.isEmpty
        quorumText = messages(
            Message("ledger.witnessQuorum", ["quorum": .text(String(page.quorum)), "count": .text(String(page.witnesses.count))]))
    }
}

struct ProofDisplay {
    let heading: String
    let index: String
    let size: String
    let leaf: String
    let leafHash: String
    let root: String
    let proof: [String]
    let checkpoint: String
    let jsonURL: [String]
    let checkCommand: String
    let hasProof: Bool

    init(_ page: ProofPage, messages: Messages) {
        let format = LocalFormat(messages.language)
        heading = messages(Message("proof.heading", ["seq": .text(String(page.index))]))
        index = String(page.index)
        size = format.number(page.size)
        leaf = page.leaf
        leafHash = page.leafHash
        root = page.root
        proof = page.proof
        checkpoint = page.checkpoint
        jsonURL = page.jsonURL.map { [$0] } ?? []
        checkCommand = "custodia ledger prove inclusion \(page.index) --size \(page.size) --json"
        hasProof = !proof.isEmpty
    }
}

extension WebRenderer {
    /// The ledger page: checkpoint, verifier key, and how an outside party checks them.
    public func ledger(_ page: LedgerPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        return render(
            "ledger", title: messages["ledger.heading"], section: .ledger, body: LedgerDisplay(page, messages: messages),
            context: context)
    }

    /// The inclusion proof of one ledger entry.
    public func proof(_ page: ProofPage, context: PageContext) -> String {
        let messages = Messages(context.language)
        let display = ProofDisplay(page, messages: messages)
        return render("proof", title: display.heading, section: .ledger, body: display, context: context)
    }
}
