import Foundation

extension String {
    /// The text in Unicode Normalization Form C.
    ///
    /// Input text is normalised when it is read, so that an identity written with a
    /// precomposed "É" and one written "E" + combining accent are the same serial everywhere:
    /// in Swift's comparisons, in the database's byte comparisons and in the ledger.
    public var nfc: String {
        // Fast path: ASCII is always in NFC.
        if utf8.allSatisfy({ $0 < 0x80 }) { return self }
        return precomposedStringWithCanonicalMapping
    }
}

extension Event {
    /// The event with every text in NFC, so that identities compare the same in the rules,
    /// the database and the ledger however the input was encoded.
    public func normalizedText() -> Event {
        var e = self
        e.recordedBy = recordedBy?.nfc
        e.from = from?.nfc
        e.to = to?.nfc
        e.items = items.map {
            switch $0 {
            case .marking(let manufacturer, let serial, let model):
                .marking(manufacturer: manufacturer.nfc, serial: serial.nfc, model: model?.nfc)
            case .id: $0
            }
        }
        e.registrations = registrations.map { m in
            var m = m
            m.manufacturer = m.manufacturer.nfc
            m.country = m.country.nfc
            m.model = m.model.nfc
            m.calibre = m.calibre.nfc
            m.serial = m.serial.nfc
            m.importCountry = m.importCountry?.nfc
            m.marks = m.marks?.nfc
            return m
        }
        e.lots = lots.map { LotReference(lot: $0.lot.nfc, manufacturer: $0.manufacturer?.nfc, quantity: $0.quantity) }
        e.lotRegistrations = lotRegistrations.map { r in
            LotRegistration(
                marking: LotMarking(
                    lot: r.marking.lot.nfc, manufacturer: r.marking.manufacturer.nfc, calibre: r.marking.calibre.nfc,
                    type: r.marking.type.nfc, year: r.marking.year),
                quantity: r.quantity)
        }
        e.document = document?.nfc
        e.reason = reason?.nfc
        e.note = note?.nfc
        e.confirmedBy = confirmedBy.map(\.nfc)
        e.method = method?.nfc
        e.certificate = certificate?.nfc
        e.witnesses = witnesses.map(\.nfc)
        e.licence = licence?.nfc
        e.destinationCountry = destinationCountry?.nfc
        if var h = holder {
            h.code = h.code.nfc
            h.name = h.name?.nfc
            h.parent = h.parent?.nfc
            e.holder = h
        }
        return e
    }
}
