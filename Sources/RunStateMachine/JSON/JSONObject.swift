/// The members of a JSON object, kept sorted by key (UTF-8 byte order) with unique keys.
///
/// Keeping members sorted makes the canonical encoding a straight walk (no sorting, no hashing)
/// and lookups in the small objects journal payloads are made of cheap; this mattered on the
/// replay path, where `Dictionary` hashing and key sorting were a large share of the time.
/// Literals on hot paths (events, states, intents, specs) are written in key order, so building
/// them is a check rather than a sort.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member.
    public struct Member: Sendable, Hashable {
        /// The member's name.
        public let key: String
        /// The member's value.
        public var value: JSONValue
    }

    /// The members in key order.
    public private(set) var members: [Member]

    /// An empty object.
    public init() {
        members = []
    }

    /// An empty object with room for `capacity` members.
    init(capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
    }

    /// An object with the members of `dictionary`.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.map { Member(key: $0.key, value: $0.value) }.sorted { Self.precedes($0.key, $1.key) }
    }

    /// An object from a literal; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(pairs: elements)
    }

    /// An object from key-value pairs; a repeated key keeps the last value.
    public init(pairs: some Collection<(String, JSONValue)>) {
        members = []
        members.reserveCapacity(pairs.count)
        var sorted = true
        for (key, value) in pairs {
            if let last = members.last, !Self.precedes(last.key, key) {
                sorted = false
            }
            members.append(Member(key: key, value: value))
        }
        guard !sorted else { return }
        // Swift's sort is stable, so among equal keys the last written stays last.
        let ordered = members.sorted { Self.precedes($0.key, $1.key) }
        members.removeAll(keepingCapacity: true)
        for member in ordered {
            if let last = members.last, Self.compare(last.key, member.key) == 0 {
                members[members.count - 1] = member
            } else {
                members.append(member)
            }
        }
    }

    /// An object with exactly one member.
    init(key: String, value: JSONValue) {
        members = [Member(key: key, value: value)]
    }

    /// Whether `a` sorts before `b` in UTF-8 byte order (the canonical key order).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    /// Compares two keys by their UTF-8 bytes: negative if `a` sorts first, zero if the bytes
    /// are equal, positive otherwise. Keys are equal only byte for byte, the same notion the
    /// canonical order uses (`String`'s `==` would also equate canonically equivalent spellings).
    static func compare(_ a: String, _ b: String) -> Int {
        // Native and small strings lend their bytes without a copy; others are compared by
        // iterating (bridged strings, which a parsed document never holds).
        let order = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in
                let common = Swift.min(left.count, right.count)
                var index = 0
                while index < common {
                    let (x, y) = (left[index], right[index])
                    if x != y { return x < y ? -1 : 1 }
                    index += 1
                }
                return left.count - right.count
            }
        }
        if let order, let order { return order }
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?) where x != y: return x < y ? -1 : 1
            default: continue
            }
        }
    }

    /// The position of `key`, or where it would be inserted.
    private func position(of key: String) -> (index: Int, found: Bool) {
        if members.count <= 8 {
            for index in members.indices {
                let order = Self.compare(key, members[index].key)
                if order <= 0 { return (index, order == 0) }
            }
            return (members.count, false)
        }
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            let order = Self.compare(members[middle].key, key)
            if order == 0 { return (middle, true) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return (low, false)
    }

    /// The value of `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            let (index, found) = position(of: key)
            // Not `found ? value : nil`: `JSONValue` is expressible by `nil`, so that would
            // give `.null` for an absent key.
            guard found else { return .none }
            return members[index].value
        }
        set {
            let (index, found) = position(of: key)
            switch (found, newValue) {
            case (true, let value?): members[index].value = value
            case (true, nil): members.remove(at: index)
            case (false, let value?): members.insert(Member(key: key, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    /// Adds a member unless the key is present; returns whether it was added.
    ///
    /// Appending keys in ascending order (as canonical documents have them) costs one
    /// comparison each.
    mutating func insertNew(key: String, value: JSONValue) -> Bool {
        if let last = members.last, Self.precedes(last.key, key) {
            members.append(Member(key: key, value: value))
            return true
        }
        let (index, found) = position(of: key)
        if found { return false }
        members.insert(Member(key: key, value: value), at: index)
        return true
    }

    /// The keys in order.
    public var keys: [String] { members.map { $0.key } }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether there are no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The members as a dictionary.
    public var dictionary: [String: JSONValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Iterates `(key, value)` pairs in key order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        members.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }
}
