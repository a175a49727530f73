import CustodiaCore

// The JSON and the printed certificate of sampling, the same on the command line and the API.

extension SamplePlanView {
    public var jsonValue: JSONValue {
        .object([("seq", .int(seq)), ("plannedAt", .string(plannedAt)), ("plannedBy", .string(plannedBy)), ("plan", plan.jsonValue)])
    }
}

extension SampleDrawn {
    public var jsonValue: JSONValue {
        var m: [(String, JSONValue)] = [
            ("plan", .int(plan.seq)), ("checkpoint", .object([("size", .int(checkpointSize)), ("root", .string(checkpointRoot))])),
            ("witnesses", .array(witnesses.map { .string($0) })), ("seed", .string(seed)),
        ]
        if let beaconValue { m.append(("beaconValue", .string(beaconValue))) }
        m.append((
            "items",
            .array(items.map { .object([("manufacturer", .string($0.manufacturer)), ("model", .string($0.model)), ("serial", .string($0.serial))]) })
        ))
        return .object(m)
    }
}

extension SampleReport {
    public func jsonValue(drawn: SampleDrawn) -> JSONValue {
        var findings: [(String, JSONValue)] = []
        var bounds: [(String, JSONValue)] = []
        for kind in SampleFinding.allCases {
            findings.append((kind.rawValue, .int(self.findings[kind] ?? 0)))
            if let b = self.bounds[kind] { bounds.append((kind.rawValue, .int(b))) }
        }
        var m: [(String, JSONValue)] = [
            ("plan", drawn.plan.jsonValue), ("population", .int(plan.size)), ("registerHolds", .int(plan.size)),
        ]
        if let d = plan.declared { m.append(("declared", .int(d))) }
        m += [
            ("sample", .int(plan.sample)), ("examined", .int(examined)), ("confidence", .string(plan.confidence)),
            ("findings", .object(findings)), ("upperBounds", .object(bounds)), ("discrepancies", .int(discrepancies)),
            ("discrepancyUpperBound", .int(discrepancyBound)),
            ("checkpoint", .object([("size", .int(drawn.checkpointSize)), ("root", .string(drawn.checkpointRoot))])),
            ("witnesses", .array(drawn.witnesses.map { .string($0) })), ("restsOnLogAlone", .bool(drawn.witnesses.isEmpty)),
            ("seed", .string(drawn.seed)),
        ]
        return .object(m)
    }

    /// The certificate as text, in English or Spanish.
    public func certificate(drawn: SampleDrawn, spanish: Bool) -> String {
        func t(_ en: String, _ es: String) -> String { spanish ? es : en }
        let names: [SampleFinding: (String, String)] = [
            .present: ("present and serviceable", "presente y en servicio"), .unserviceable: ("present but unserviceable", "presente pero inservible"),
            .markingMismatch: ("marking does not match", "el marcado no coincide"), .notFound: ("not found", "no encontrado"),
        ]
        let scope = plan.holder ?? t("the whole register", "todo el registro")
        let cats = plan.categories.isEmpty ? t("all categories", "todas las categorías") : plan.categories.map(\.rawValue).joined(separator: ", ")
        var out = t("VERIFICATION CERTIFICATE — SAMPLE PLAN \(drawn.plan.seq)\n", "CERTIFICADO DE VERIFICACIÓN — PLAN DE MUESTREO \(drawn.plan.seq)\n")
        out += t("Population: items held under \(scope), \(cats)", "Población: artículos en existencia bajo \(scope), \(cats)")
        out += plan.model.map { t(", model \($0)", ", modelo \($0)") } ?? ""
        out += "\n"
        out += t("The register holds: \(plan.size) items (at the plan, event \(drawn.plan.seq))\n", "El registro tiene: \(plan.size) artículos (al planificar, evento \(drawn.plan.seq))\n")
        if let d = plan.declared {
            out += t("Declared figure: \(d)", "Cifra declarada: \(d)")
            if d != plan.size { out += t(" (\(d - plan.size > 0 ? "+" : "")\(d - plan.size) against the register)", " (\(d - plan.size > 0 ? "+" : "")\(d - plan.size) frente al registro)") }
            out += "\n"
        }
        out += t("Sample: \(plan.sample) items drawn; \(examined) examined; confidence \(plan.confidence)\n", "Muestra: \(plan.sample) artículos sorteados; \(examined) examinados; confianza \(plan.confidence)\n")
        for kind in SampleFinding.allCases {
            let name = spanish ? names[kind]!.1 : names[kind]!.0
            var line = "  \(name): \(findings[kind] ?? 0)"
            if let b = bounds[kind] {
                line += t("; at most \(b) in the population (\(plan.confidence) upper bound)", "; como máximo \(b) en la población (cota superior al \(plan.confidence))")
            }
            out += line + "\n"
        }
        out += t("Any discrepancy: \(discrepancies); at most \(discrepancyBound) in the population\n", "Cualquier discrepancia: \(discrepancies); como máximo \(discrepancyBound) en la población\n")
        out += t("The draw rests on checkpoint \(drawn.checkpointSize), root \(drawn.checkpointRoot)", "El sorteo se basa en el punto de control \(drawn.checkpointSize), raíz \(drawn.checkpointRoot)")
        out += drawn.witnesses.isEmpty
            ? t(", signed by the log alone (no witness cosigned it)\n", ", firmado solo por el registro (ningún testigo lo cofirmó)\n")
            : t(", cosigned by \(drawn.witnesses.count) witnesses\n", ", cofirmado por \(drawn.witnesses.count) testigos\n")
        if let b = plan.beacon { out += t("Outside beacon: \(b) = \(drawn.beaconValue ?? "")\n", "Baliza externa: \(b) = \(drawn.beaconValue ?? "")\n") }
        out += t("Seed: \(drawn.seed)\n", "Semilla: \(drawn.seed)\n")
        out += t("Method: exact hypergeometric (docs/verification.md); anyone holding the ledger repeats the draw with custodia sample draw \(drawn.plan.seq).\n",
                 "Método: hipergeométrica exacta (docs/verification.md); quien tenga el registro repite el sorteo con custodia sample draw \(drawn.plan.seq).\n")
        return out
    }
}
