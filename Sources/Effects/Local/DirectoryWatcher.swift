import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wakes tasks when something is written in a directory they watch (one inotify descriptor,
/// read by one thread), so waiting for a command's exit record neither polls nor lags: the
/// waiter looks again as soon as the supervisor renames the record into place.
final class DirectoryWatcher: Sendable {
    /// The process's watcher; `nil` where inotify is unavailable (waiters then poll).
    static let shared: DirectoryWatcher? = DirectoryWatcher()

    private struct Watch {
        var users: Int
        var generation: UInt64 = 0
        var waiters: [UInt64: UnsafeContinuation<Void, Never>] = [:]
    }

    private struct State {
        var watches: [Int32: Watch] = [:]
        var byDirectory: [String: Int32] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let descriptor: Int32
    private let state = Mutex(State())

    private init?() {
        descriptor = inotify_init1(Int32(IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        // The reading thread lives as long as the process, like the watcher.
        DispatchQueue(label: "runlog.effects.directory-watcher").async { [self] in readEvents() }
    }

    /// Watches `directory` (counted: every `watch` needs its `unwatch`); `nil` if it cannot be
    /// watched (it does not exist, or the inotify limit is reached).
    func watch(_ directory: String) -> Int32? {
        state.withLock { state in
            if let existing = state.byDirectory[directory] {
                state.watches[existing]?.users += 1
                return existing
            }
            let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF)
            let watch = inotify_add_watch(descriptor, directory, mask)
            guard watch >= 0 else { return nil }
            state.byDirectory[directory] = watch
            state.watches[watch, default: Watch(users: 0)].users += 1
            return watch
        }
    }

    /// Gives a watch back; the last user removes it.
    func unwatch(_ watch: Int32, directory: String) {
        state.withLock { state in
            guard var entry = state.watches[watch] else { return }
            entry.users -= 1
            if entry.users > 0 {
                state.watches[watch] = entry
                return
            }
            state.watches[watch] = nil
            state.byDirectory[directory] = nil
            inotify_rm_watch(descriptor, watch)
            for waiter in entry.waiters.values { waiter.resume() }
        }
    }

    /// How many times something happened in the watched directory; read it before looking.
    func generation(_ watch: Int32) -> UInt64 {
        state.withLock { $0.watches[watch]?.generation ?? 0 }
    }

    /// Returns once something happens in the directory after `seen` (a ``generation(_:)``
    /// read before looking), the task is cancelled, or `timeout` passes.
    func changed(_ watch: Int32, since seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.next(watch, since: seen) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func next(_ watch: Int32, since seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    guard let entry = state.watches[watch], entry.generation == seen, !Task.isCancelled else { return true }
                    state.watches[watch]?.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.watches[watch]?.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func readEvents() {
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer, size)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            var offset = 0
            var touched: Set<Int32> = []
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                touched.insert(event.wd)
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
            let waiters = state.withLock { state in
                touched.flatMap { watch -> [UnsafeContinuation<Void, Never>] in
                    guard var entry = state.watches[watch] else { return [] }
                    entry.generation += 1
                    let waiting = Array(entry.waiters.values)
                    entry.waiters = [:]
                    state.watches[watch] = entry
                    return waiting
                }
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
