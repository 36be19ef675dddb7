import RunStateMachine

/// Spec validation: every input is either accepted or refused with at least one problem, each
/// naming a JSON path and a fix; an accepted spec's normalized form validates to the same spec
/// and normalizes to the same bytes (what the journal stores is what a worker reads back).
/// Bounded time is libFuzzer's `-timeout`.
///
/// Byte mutations rarely turn a number inside valid JSON into another valid number of a very
/// different size, so each input that parses is also checked with every number in it (the
/// first 32) replaced, one at a time, by each value at the edges of 64-bit types.
public enum SpecFuzzCheck {
    /// The numbers each number of an input is also replaced by.
    static let edges: [JSONValue] = [
        .int(.min), .int(.min + 1), .int(.max), .int(-1), .int(0), .double(1e300), .double(-1e300), .double(9.3e15), .double(0.0005),
    ]

    /// Checks one input, and its variants at the numeric edges.
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        try checkOne(input)
        guard input.count <= SpecLimits.maxSpecBytes, let document = try? JSONValue.parse(input) else { return }
        var paths: [[PathStep]] = []
        collectNumbers(in: document, at: [], into: &paths)
        for path in paths.prefix(32) {
            for edge in edges {
                try checkOne(replacing(path[...], in: document, with: edge).canonicalBytes)
            }
        }
    }

    /// The invariants on one input.
    static func checkOne(_ input: [UInt8]) throws(FuzzFailure) {
        let spec: JobSpec
        do {
            spec = try JobSpec.validate(input)
        } catch {
            guard !error.problems.isEmpty else {
                throw FuzzFailure("refused with no problem listed")
            }
            for problem in error.problems where !problem.path.hasPrefix("$") || problem.fix.isEmpty || problem.message.isEmpty {
                throw FuzzFailure("a problem without a JSON path, message or fix: \(problem)")
            }
            return
        }
        let normalized = spec.json.canonicalBytes
        let again: JobSpec
        do {
            again = try JobSpec.validate(normalized)
        } catch {
            throw FuzzFailure("the normalized form of an accepted spec is refused: \(error)")
        }
        guard again == spec else {
            throw FuzzFailure("the normalized form validates to another spec")
        }
        guard again.json.canonicalBytes == normalized else {
            throw FuzzFailure("normalizing is not idempotent")
        }
    }

    /// One step into a document: an object member or an array element.
    enum PathStep {
        case member(String)
        case element(Int)
    }

    static func collectNumbers(in value: JSONValue, at path: [PathStep], into paths: inout [[PathStep]]) {
        switch value {
        case .int, .double:
            paths.append(path)
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                collectNumbers(in: element, at: path + [.element(index)], into: &paths)
            }
        case .object(let object):
            for member in object.members {
                collectNumbers(in: member.value, at: path + [.member(member.key)], into: &paths)
            }
        default:
            break
        }
    }

    static func replacing(_ path: ArraySlice<PathStep>, in value: JSONValue, with replacement: JSONValue) -> JSONValue {
        guard let step = path.first else { return replacement }
        switch (step, value) {
        case (.element(let index), .array(var elements)) where elements.indices.contains(index):
            elements[index] = replacing(path.dropFirst(), in: elements[index], with: replacement)
            return .array(elements)
        case (.member(let key), .object(var object)):
            if let member = object[key] {
                object[key] = replacing(path.dropFirst(), in: member, with: replacement)
            }
            return .object(object)
        default:
            return value
        }
    }
}
