import CZint

/// A QR code of a text, encoded by libzint (byte mode; error correction M when the text
/// fits, L otherwise), as its matrix of modules and in the forms receipts use: SVG for pages
/// and printers, PBM for image tools, and half-block characters for a terminal.
public struct QRCode: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// Dark modules, row by row.
    public let modules: [Bool]

    /// Encodes `text` (its UTF-8 bytes).
    ///
    /// - Throws: `QRCodeError` when the text is too long for a QR code (about 2,300 bytes) or
    ///   the encoder fails.
    public init(_ text: String) throws(QRCodeError) {
        let bytes = Array(text.utf8)
        var lastError = ""
        // ECC level M (15% recovery) for printed receipts; L when M cannot hold the text.
        for level: Int32 in [2, 1] {
            guard let symbol = ZBarcode_Create() else { throw QRCodeError("the QR encoder could not start") }
            defer { ZBarcode_Delete(symbol) }
            symbol.pointee.symbology = BARCODE_QRCODE
            symbol.pointee.input_mode = DATA_MODE
            symbol.pointee.option_1 = level
            let status = bytes.withUnsafeBufferPointer { ZBarcode_Encode(symbol, $0.baseAddress, Int32($0.count)) }
            guard status < ZINT_ERROR else {
                lastError = String(cString: custodia_zint_error(symbol))
                continue
            }
            let rows = Int(symbol.pointee.rows)
            let width = Int(symbol.pointee.width)
            guard rows == width, rows > 0 else { throw QRCodeError("the QR encoder returned a \(rows)×\(width) symbol") }
            var dark = [Bool](repeating: false, count: rows * width)
            for row in 0..<rows {
                for column in 0..<width { dark[row * width + column] = custodia_zint_module(symbol, Int32(row), Int32(column)) == 1 }
            }
            modules = dark
            size = rows
            return
        }
        throw QRCodeError("the text (\(bytes.count) bytes) does not fit in a QR code: \(lastError)")
    }

    public func isDark(row: Int, column: Int) -> Bool {
        row >= 0 && row < size && column >= 0 && column < size && modules[row * size + column]
    }

    /// An SVG image, `scale` units per module, with the 4-module quiet zone around it.
    public func svg(scale: Int = 4, title: String? = nil) -> String {
        let side = (size + 8) * scale
        let label = title.map { "<title>\(Self.escape($0))</title>" } ?? ""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side)" height="\(side)" \
            shape-rendering="crispEdges" role="img">\(label)<rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(svgPath(scale: scale))"/></svg>
            """
    }

    /// The side of the SVG image at `scale`, quiet zone included.
    public func side(scale: Int) -> Int { (size + 8) * scale }

    /// The dark modules as one SVG path (`M x y h w v s h -w z` per run of dark modules in a
    /// row), `scale` units per module, offset by the quiet zone: only digits, spaces and the
    /// letters M h v z, safe in any attribute.
    public func svgPath(scale: Int) -> String {
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                var run = 1
                while isDark(row: row, column: column + run) { run += 1 }
                path += "M\((column + 4) * scale) \((row + 4) * scale)h\(run * scale)v\(scale)h-\(run * scale)z"
                column += run
            }
        }
        return path
    }

    /// A plain PBM (P1) image, `scale` pixels per module, quiet zone included.
    public func pbm(scale: Int = 4) -> String {
        let side = (size + 8) * scale
        var lines = ["P1", "\(side) \(side)"]
        for y in 0..<side {
            let row = y / scale - 4
            lines.append((0..<side).map { x in isDark(row: row, column: x / scale - 4) ? "1" : "0" }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Two rows of modules per line of text (▀ ▄ █ and space), dark on light, quiet zone
    /// included: for a terminal with a dark background, print it as is.
    public var terminal: String {
        var lines: [String] = []
        var row = -4
        while row < size + 4 {
            var line = ""
            for column in -4..<(size + 4) {
                // Light modules are drawn (the terminal's light text), dark ones left blank.
                let top = !isDark(row: row, column: column)
                let bottom = row + 1 < size + 4 && !isDark(row: row + 1, column: column)
                line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ")
            }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
    }
}

/// Why a text could not become a QR code.
public struct QRCodeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
