/// Text from runs (names, reasons, notes) made safe to print on a terminal: control characters
/// (C0, DEL, C1) and the format characters that reorder or hide text (bidirectional embeddings,
/// overrides and isolates, the marks, zero-width characters) are shown as `\u{…}` escapes
/// instead of acting on the terminal. A name like `invoice‮fdp.exe` then reads as what it is.
enum TerminalText {
    /// `text` with every such character escaped; other text as it is.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                output += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Whether `scalar` acts on a terminal or on the order of text instead of being shown.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }
}
