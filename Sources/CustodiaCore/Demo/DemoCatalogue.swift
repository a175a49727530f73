/// What a holder of the demo tree is for; finer than `HolderKind`.
enum DemoRole: UInt8, Sendable {
    case region, zone, depot, armoury, magazine, workshop, collection, unit, person, staff
    case foreignState, manufacturer, destructionFacility, court

    var isSite: Bool {
        switch self {
        case .depot, .armoury, .magazine, .workshop, .collection: true
        default: false
        }
    }
}

/// A weapon or component model of the demo catalogue, with the shape of its serial numbers.
struct DemoModel: Sendable {
    var category: Category
    var manufacturer: String
    var country: String
    var model: String
    var calibre: String
    /// Serial: `prefix`, then `letters` letters, then `digits` digits.
    var prefix: String
    var letters: Int
    var digits: Int
    var years: ClosedRange<Int>
    /// Relative share in depots and in armouries (per mille of a typical stock).
    var depotWeight: Int
    var armouryWeight: Int
    /// Share (percent) of items carrying an import marking.
    var importPercent: Int
    /// Issued to individual people (pistols, rifles, sub-machine guns) rather than crews.
    var individual: Bool

    init(
        _ category: Category, _ manufacturer: String, _ country: String, _ model: String, _ calibre: String,
        serial prefix: String, letters: Int = 0, digits: Int, years: ClosedRange<Int>, depot: Int, armoury: Int = 0,
        imported: Int, individual: Bool = false
    ) {
        self.category = category
        self.manufacturer = manufacturer
        self.country = country
        self.model = model
        self.calibre = calibre
        self.prefix = prefix
        self.letters = letters
        self.digits = digits
        self.years = years
        self.depotWeight = depot
        self.armouryWeight = armoury
        self.importPercent = imported
        self.individual = individual
    }

    /// Letters used in serials (no I, O or Q, which read as digits).
    static let alphabet: [UInt8] = Array("ABCDEFGHJKLMNPRSTUVWXYZ".utf8)

    /// How many distinct serials the format allows.
    var serialSpace: UInt64 {
        var n: UInt64 = 1
        for _ in 0..<letters { n *= UInt64(Self.alphabet.count) }
        for _ in 0..<digits { n *= 10 }
        return n
    }
}

/// An ammunition type of the demo catalogue.
struct DemoAmmunition: Sendable {
    var calibre: String
    var type: String
    /// Indexes into `DemoCatalogue.ammunitionMakers`.
    var makers: [Int]
    var quantity: ClosedRange<Int>
    /// Rounds per packet: issues and shipments come in whole packets.
    var pack: Int
    var weight: Int
}

/// The fixed catalogue and vocabulary the demo data draws on: common SALW models, ammunition,
/// and fictional Spanish place and person names.
enum DemoCatalogue {
    static let models: [DemoModel] = [
        DemoModel(
            .assaultRifle, "Kalashnikov Concern", "RU", "AK-74M", "5.45x39mm", serial: "AK-", digits: 7,
            years: 1992...2020, depot: 110, armoury: 90, imported: 70, individual: true),
        DemoModel(
            .assaultRifle, "Izhmash", "RU", "AKM", "7.62x39mm", serial: "", letters: 2, digits: 4, years: 1970...1991,
            depot: 130, armoury: 100, imported: 40, individual: true),
        DemoModel(
            .assaultRifle, "Norinco", "CN", "Type 56-1", "7.62x39mm", serial: "", digits: 8, years: 1975...2005,
            depot: 70, armoury: 50, imported: 60, individual: true),
        DemoModel(
            .assaultRifle, "Zastava Arms", "RS", "M70AB2", "7.62x39mm", serial: "", digits: 6, years: 1978...2010,
            depot: 40, armoury: 30, imported: 70, individual: true),
        DemoModel(
            .assaultRifle, "IWI", "IL", "Galil ACE 22", "5.56x45mm", serial: "ACE", digits: 6, years: 2010...2024,
            depot: 60, armoury: 60, imported: 95, individual: true),
        DemoModel(
            .assaultRifle, "Colt's Manufacturing Company", "US", "M4A1", "5.56x45mm", serial: "W", digits: 6,
            years: 2005...2022, depot: 25, armoury: 30, imported: 95, individual: true),
        DemoModel(
            .rifleCarbine, "FN Herstal", "BE", "FN FAL", "7.62x51mm", serial: "", letters: 2, digits: 5,
            years: 1970...1990, depot: 70, armoury: 70, imported: 50, individual: true),
        DemoModel(
            .rifleCarbine, "Heckler & Koch", "DE", "G3A3", "7.62x51mm", serial: "A", digits: 6, years: 1970...1995,
            depot: 35, armoury: 35, imported: 50, individual: true),
        DemoModel(
            .rifleCarbine, "Izhmash", "RU", "SVD", "7.62x54mmR", serial: "", letters: 2, digits: 5, years: 1970...2005,
            depot: 10, armoury: 10, imported: 50, individual: true),
        DemoModel(
            .revolverPistol, "Glock", "AT", "Glock 17", "9x19mm", serial: "", letters: 3, digits: 3, years: 1995...2024,
            depot: 60, armoury: 130, imported: 90, individual: true),
        DemoModel(
            .revolverPistol, "Izhevsk Mechanical Plant", "RU", "Makarov PM", "9x18mm", serial: "", letters: 2, digits: 4,
            years: 1970...1991, depot: 35, armoury: 80, imported: 40, individual: true),
        DemoModel(
            .revolverPistol, "Beretta", "IT", "92FS", "9x19mm", serial: "BER", digits: 6, years: 1990...2015, depot: 30,
            armoury: 70, imported: 90, individual: true),
        DemoModel(
            .revolverPistol, "Smith & Wesson", "US", "Model 10", ".38 Special", serial: "D", digits: 6,
            years: 1970...1995, depot: 10, armoury: 35, imported: 60, individual: true),
        DemoModel(
            .revolverPistol, "FN Herstal", "BE", "Browning Hi-Power", "9x19mm", serial: "T", digits: 6,
            years: 1970...1998, depot: 20, armoury: 40, imported: 60, individual: true),
        DemoModel(
            .submachineGun, "Heckler & Koch", "DE", "MP5A3", "9x19mm", serial: "C", digits: 6, years: 1985...2015,
            depot: 30, armoury: 50, imported: 80, individual: true),
        DemoModel(
            .submachineGun, "Israel Military Industries", "IL", "Uzi", "9x19mm", serial: "UZ", digits: 6,
            years: 1970...1995, depot: 20, armoury: 30, imported: 60, individual: true),
        DemoModel(
            .lightMachineGun, "Kovrov Mechanical Plant", "RU", "PKM", "7.62x54mmR", serial: "", letters: 2, digits: 4,
            years: 1970...2010, depot: 45, armoury: 15, imported: 50),
        DemoModel(
            .lightMachineGun, "Molot", "RU", "RPK-74", "5.45x39mm", serial: "RP", digits: 6, years: 1978...2005,
            depot: 20, armoury: 10, imported: 50),
        DemoModel(
            .lightMachineGun, "FN Herstal", "BE", "FN MAG", "7.62x51mm", serial: "MAG", digits: 5, years: 1975...2015,
            depot: 20, armoury: 8, imported: 70),
        DemoModel(
            .heavyMachineGun, "Degtyarev Plant", "RU", "DShKM", "12.7x108mm", serial: "", letters: 2, digits: 3,
            years: 1970...1990, depot: 12, imported: 40),
        DemoModel(
            .heavyMachineGun, "U.S. Ordnance", "US", "M2HB", "12.7x99mm", serial: "USO", digits: 5, years: 1990...2020,
            depot: 8, imported: 95),
        DemoModel(
            .grenadeLauncher, "Bazalt", "RU", "RPG-7V", "40mm", serial: "", letters: 2, digits: 4, years: 1970...2000,
            depot: 35, imported: 50),
        DemoModel(
            .grenadeLauncher, "Colt's Manufacturing Company", "US", "M203", "40x46mm", serial: "M203-", digits: 5,
            years: 1985...2015, depot: 8, imported: 90),
        DemoModel(
            .recoillessRifle, "Arsenal JSCo", "BG", "SPG-9M", "73mm", serial: "SPG", digits: 5, years: 1975...2005,
            depot: 6, imported: 70),
        DemoModel(
            .antiTankMissileLauncher, "KBP Instrument Design Bureau", "RU", "9P135M launcher", "120mm", serial: "",
            digits: 6, years: 1980...2000, depot: 2, imported: 50),
        DemoModel(
            .antiAircraftGun, "Tula Arms Plant", "RU", "ZPU-1", "14.5x114mm", serial: "", letters: 2, digits: 3,
            years: 1970...1985, depot: 2, imported: 40),
        DemoModel(
            .mortar, "Esperanza y Cía", "ES", "ECIA L 60mm", "60mm", serial: "L", digits: 5, years: 1980...2010,
            depot: 10, imported: 80),
        DemoModel(
            .mortar, "Motovilikha Plants", "RU", "2B14 Podnos", "82mm", serial: "", letters: 2, digits: 4,
            years: 1985...2005, depot: 8, imported: 50),
        // MANPADS: three separately serialised components. Depot weights apply only at the
        // depots and magazines authorised to store them.
        DemoModel(
            .manpadsLaunchMechanism, "KBM Kolomna", "RU", "9P522 gripstock", "72mm", serial: "", digits: 6,
            years: 2004...2015, depot: 8, imported: 100),
        DemoModel(
            .manpadsLaunchMechanism, "KBM Kolomna", "RU", "9P516 gripstock", "72mm", serial: "", digits: 6,
            years: 1985...1995, depot: 3, imported: 100),
        DemoModel(
            .manpadsBattery, "KBM Kolomna", "RU", "9B238 battery-coolant unit", "72mm", serial: "", digits: 6,
            years: 2010...2020, depot: 22, imported: 100),
        DemoModel(
            .manpadsMissile, "KBM Kolomna", "RU", "9M342 missile in launch tube", "72mm", serial: "", digits: 7,
            years: 2004...2016, depot: 70, imported: 100),
        DemoModel(
            .manpadsMissile, "KBM Kolomna", "RU", "9M39 missile in launch tube", "72mm", serial: "", digits: 7,
            years: 1985...1996, depot: 30, imported: 100),
    ]

    /// Models bought during the demo year.
    static let acquisitionModels = ["Glock 17", "Galil ACE 22", "M4A1", "92FS", "MP5A3", "FN MAG"]

    /// Ammunition makers: name and the factory code that starts their lot numbers.
    static let ammunitionMakers: [(name: String, code: String)] = [
        ("Tula Cartridge Works", "539"), ("Norinco", "71"), ("Arsenal JSCo", "10"), ("Barnaul Cartridge Plant", "17"),
        ("CBC", "CBC"), ("IMI Systems", "IMI"), ("FN Herstal", "FNH"), ("Novosibirsk LVE", "188"), ("Fiocchi", "GFL"),
        ("Sellier & Bellot", "SB"), ("Bazalt", "BZ"), ("Esperanza y Cía", "ECIA"), ("Olin Winchester", "WCC"),
    ]

    static let ammunition: [DemoAmmunition] = [
        DemoAmmunition(
            calibre: "7.62x39mm", type: "ball 57-N-231", makers: [0, 1, 2], quantity: 20_000...150_000, pack: 20, weight: 20),
        DemoAmmunition(calibre: "5.45x39mm", type: "ball 7N6", makers: [0, 3], quantity: 20_000...150_000, pack: 30, weight: 16),
        DemoAmmunition(
            calibre: "5.56x45mm", type: "ball SS109", makers: [4, 5], quantity: 10_000...100_000, pack: 20, weight: 12),
        DemoAmmunition(calibre: "7.62x51mm", type: "ball M80", makers: [6, 4], quantity: 10_000...100_000, pack: 20, weight: 12),
        DemoAmmunition(calibre: "7.62x54mmR", type: "ball LPS", makers: [7, 3], quantity: 10_000...80_000, pack: 20, weight: 8),
        DemoAmmunition(
            calibre: "9x19mm", type: "FMJ 124 gr", makers: [8, 4, 9], quantity: 10_000...100_000, pack: 50, weight: 14),
        DemoAmmunition(calibre: "9x18mm", type: "ball 57-N-181S", makers: [0, 3], quantity: 5_000...50_000, pack: 16, weight: 5),
        DemoAmmunition(calibre: ".38 Special", type: "LRN 158 gr", makers: [4], quantity: 2_000...20_000, pack: 50, weight: 2),
        DemoAmmunition(calibre: "12.7x108mm", type: "API B-32", makers: [7, 2], quantity: 2_000...20_000, pack: 10, weight: 4),
        DemoAmmunition(calibre: "12.7x99mm", type: "ball M33", makers: [12], quantity: 2_000...20_000, pack: 10, weight: 2),
        DemoAmmunition(calibre: "14.5x114mm", type: "API B-32", makers: [7], quantity: 1_000...10_000, pack: 10, weight: 1),
        DemoAmmunition(calibre: "40mm", type: "PG-7V HEAT", makers: [10, 2], quantity: 1_000...6_000, pack: 1, weight: 4),
        DemoAmmunition(calibre: "40x46mm", type: "HE M406", makers: [2], quantity: 1_000...5_000, pack: 1, weight: 1),
        DemoAmmunition(calibre: "73mm", type: "PG-9V HEAT", makers: [2], quantity: 1_000...3_000, pack: 1, weight: 1),
        DemoAmmunition(calibre: "60mm", type: "HE M-60", makers: [11], quantity: 1_000...4_000, pack: 1, weight: 2),
        DemoAmmunition(calibre: "82mm", type: "HE O-832DU", makers: [2], quantity: 1_000...4_000, pack: 1, weight: 3),
    ]

    /// Regions: name and code letter(s). Centro (index 2) holds the central sites.
    static let regions: [(name: String, code: String)] = [
        ("Norte", "N"), ("Sur", "S"), ("Centro", "C"), ("Oriente", "E"), ("Occidente", "O"), ("Andina", "AN"),
        ("Costera", "CO"), ("Amazónica", "AM"),
    ]
    static let centralRegion = 2

    static let places = [
        "Puerto Alegre", "San Isidro", "Villa Esperanza", "Los Almendros", "Río Claro", "Santa Inés", "El Carmen",
        "Valle Hermoso", "Las Palmas", "San Rafael", "Monte Verde", "La Cumbre", "Puerto Nuevo", "San Gabriel",
        "Altamira", "Piedra Blanca", "Laguna Seca", "Tres Ríos", "San Bernardo", "La Esperanza", "Cerro Azul",
        "Santa Clara", "Llano Grande", "San Vicente", "Bahía Serena", "Los Robles", "El Mirador", "Nueva Aurora",
        "Campo Alegre", "San Lorenzo", "Villa del Sol", "Río Frío", "Santa Lucía", "Las Mercedes", "Puerto Viejo",
        "Loma Linda", "El Paraíso", "San Fernando", "Valle Escondido", "Punta Brava",
    ]

    static let firstNames = [
        "María", "José", "Ana", "Luis", "Carmen", "Juan", "Rosa", "Carlos", "Lucía", "Miguel", "Elena", "Jorge",
        "Isabel", "Pedro", "Sofía", "Andrés", "Valentina", "Diego", "Camila", "Javier", "Gabriela", "Ricardo",
        "Paula", "Fernando", "Daniela", "Raúl", "Mariana", "Héctor", "Natalia", "Álvaro", "Beatriz", "Sergio",
        "Verónica", "Tomás", "Adriana", "Felipe", "Lorena", "Hugo", "Patricia", "Ramiro",
    ]

    static let surnames = [
        "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres",
        "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz", "Castillo", "Vargas",
        "Rojas", "Quintero", "Mendoza", "Aguilar", "Medina", "Castro", "Herrera", "Navarro", "Salazar", "Paredes",
        "Cabrera", "Fuentes", "Vega", "Carrasco", "Soto", "Peña", "Ibarra", "Montoya", "Villalobos", "Escobar",
        "Cárdenas", "Arroyo", "Bustos", "Figueroa", "Zamora", "Acosta", "Benítez", "Molina", "Delgado",
    ]

    /// External parties: code, role, name.
    static let externals: [(code: String, role: DemoRole, name: String)] = [
        ("EXT-VAL", .foreignState, "República de Valdoria — Ministerio de Defensa"),
        ("EXT-SAU", .foreignState, "Estado de San Aurelio — Fuerzas Armadas"),
        ("EXT-FNH", .manufacturer, "FN Herstal SA (servicio de fábrica)"),
        ("EXT-DESM", .destructionFacility, "Planta Nacional de Desmilitarización"),
        ("EXT-JUZ-3", .court, "Juzgado Penal Federal N.º 3"),
    ]
    /// Destination country named in exports, by foreign-state external.
    static let exportCountries = ["EXT-VAL": "Valdoria", "EXT-SAU": "San Aurelio"]

    /// Country code of the (fictional) importing state, from the user-assigned ISO 3166 range.
    static let importCountry = "XR"

    static let otherMarks = [
        "Escudo nacional y leyenda PROPIEDAD DEL ESTADO", "Marca de aceptación del banco de pruebas",
        "Número de inventario antiguo grabado en la culata", "Sello de la Dirección de Material de Guerra",
        "Marca de rearmado 1998",
    ]

    static let assignedMarks = [
        "Número de serie original borrado; marca asignada por el Estado",
        "Sin marcado de fábrica legible; marca asignada por el Estado",
        "Marcado original limado; marca asignada por el Estado y grabada en el cajón de mecanismos",
    ]

    static let issueReasons = [
        "Dotación para servicio de guardia", "Patrullaje rural", "Custodia de instalaciones",
        "Escolta de valores", "Servicio de control fronterizo",
    ]
    static let exerciseReasons = [
        "Ejercicio de instrucción de campo", "Práctica de tiro en polígono", "Maniobras de la brigada",
    ]
    static let allocationReasons = ["Asignación orgánica a la unidad", "Reposición de dotación de la unidad"]

    static let conditionReasons: [Condition: [String]] = [
        .repairable: [
            "Falla en el mecanismo de disparo detectada en inspección técnica", "Resorte recuperador fatigado",
            "Alza dañada; requiere reparación de segundo escalón",
        ],
        .unserviceable: [
            "Cañón fuera de tolerancia en la medición de ánima", "Corrosión severa en el cajón de mecanismos",
            "Cerrojo fisurado; reparación no económica",
        ],
        .surplus: ["Excedente según el plan de racionalización de dotaciones", "Modelo dado de baja del servicio"],
    ]

    static let lossReasons = [
        "Extraviada durante patrullaje en zona boscosa", "Extravío en el traslado entre puestos",
        "Caída al río durante el cruce de un vado",
    ]
    static let theftReasons = [
        "Robo en el domicilio del funcionario", "Sustracción del vehículo de servicio",
        "Robo con violencia durante el servicio", "Faltante detectado en el armero de la unidad",
    ]
    static let recoveryReasons = [
        "Recuperada en allanamiento policial", "Incautada en control de carretera", "Hallada abandonada y entregada por vecinos",
    ]
    static let destructionMethods = ["corte con soplete", "prensado hidráulico", "fundición en horno", "cizallado"]
    static let correctionReasons = [
        "Fecha de ocurrencia consignada con error; la correcta figura en el acta",
        "Número de documento mal transcrito del vale original",
        "Se indicó un titular equivocado en la nota; los movimientos son correctos",
        "Motivo registrado incompleto; ver acta de rectificación",
    ]
    static let firingRanges = ["Campo de tiro Los Pinos", "Polígono Cerro Azul", "Área de maniobras El Llano"]
}
