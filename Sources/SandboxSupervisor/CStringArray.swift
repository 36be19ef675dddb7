#if canImport(Glibc)
import Glibc
#endif

/// A NULL-terminated array of C strings for `execve`, owned until ``free()``.
struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func free() {
        for index in 0..<count {
            Glibc.free(pointer[index])
        }
        pointer.deallocate()
    }
}
