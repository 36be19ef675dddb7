/// Aligned text tables for people.
enum Table {
    /// Prints `rows` under `header`, each column padded to its widest cell; cells are shown
    /// with their control and text-reordering characters escaped (``TerminalText``).
    static func print(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows.map { $0.map(TerminalText.escaped) }
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        for (index, row) in all.enumerated() {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            Swift.print(cells.joined(separator: "  "))
            if index == 0 {
                Swift.print(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
            }
        }
    }
}

/// A number with thousands separators and `places` decimals.
func format(_ value: Double, places: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    let whole = Int64(rounded)
    var digits = String(whole.magnitude)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits = String(digits.dropLast(3))
    }
    grouped = (whole < 0 ? "-" : "") + digits + grouped
    guard places > 0 else { return grouped }
    let fraction = Int64(((abs(rounded) - Double(abs(whole))) * scale).rounded())
    let fractionText = String(fraction)
    return grouped + "." + String(repeating: "0", count: places - fractionText.count) + fractionText
}
