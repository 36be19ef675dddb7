import PostgresNIO

/// One statement that writes several tables: each part a data-modifying CTE of its own, its
/// parameters numbered from `$1` in its own text and renumbered here, so a batch's writes take
/// one round trip.
struct WriteStatement {
    private var parts: [String] = []
    private var binds = PostgresBindings()

    /// Adds a part: `sql` with parameters `$1…$n`, bound to `columns` in order.
    mutating func add(_ sql: String, _ columns: [PostgresArray]) {
        let text = sql.renumberingParameters(by: binds.count)
        for column in columns {
            binds.append(column)
        }
        parts.append("w\(parts.count) AS (\(text))")
    }

    /// The statement, or `nil` if nothing was added.
    var query: PostgresQuery? {
        guard !parts.isEmpty else { return nil }
        return PostgresQuery(unsafeSQL: "WITH " + parts.joined(separator: ",\n") + "\nSELECT 1", binds: binds)
    }
}

extension String {
    /// The text with every parameter `$<n>` written `$<n + offset>`.
    fileprivate func renumberingParameters(by offset: Int) -> String {
        guard offset > 0 else { return self }
        var result = ""
        var number: Int?
        func flush() {
            if let value = number { result += String(value + offset) }
            number = nil
        }
        var afterDollar = false
        for character in self {
            if afterDollar || number != nil, let digit = character.wholeNumberValue, character.isASCII {
                number = (number ?? 0) * 10 + digit
                afterDollar = false
                continue
            }
            if afterDollar { afterDollar = false }
            flush()
            result.append(character)
            if character == "$" { afterDollar = true }
        }
        flush()
        return result
    }
}
