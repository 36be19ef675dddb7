/// A wall-clock instant in milliseconds since the Unix epoch.
///
/// Machines never read a clock: time reaches them only as event data (``Timestamp`` values in
/// events such as a deadline or a retry becoming due), so replay is exact.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// Creates an instant from milliseconds since the Unix epoch.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The instant `seconds` later.
    public func adding(seconds: Int) -> Timestamp {
        Timestamp(milliseconds: milliseconds &+ Int64(seconds) &* 1000)
    }

    /// The instant `milliseconds` later.
    public func adding(milliseconds delta: Int64) -> Timestamp {
        Timestamp(milliseconds: milliseconds &+ delta)
    }

    /// Orders instants by time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-27T11:41:48.123Z`.
    public var description: String {
        // Floor division, exact for every instant (a journal may hold any 64-bit value).
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let days = remainder < 0 ? quotient - 1 : quotient
        let millisOfDay = remainder < 0 ? remainder + 86_400_000 : remainder
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let hours = millisOfDay / 3_600_000
        let minutes = millisOfDay / 60_000 % 60
        let seconds = millisOfDay / 1000 % 60
        let millis = millisOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(millis, 3))Z"
    }
}

extension Timestamp: JSONCodable {
    /// Decodes milliseconds since the epoch.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .int(let value) = json else {
            throw JSONDecodingError(path: "", problem: "expected milliseconds as an integer, found \(json.typeName)")
        }
        self.init(milliseconds: value)
    }

    /// Milliseconds since the epoch.
    public var json: JSONValue { .int(milliseconds) }
}
