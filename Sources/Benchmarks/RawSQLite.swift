import Effects
import Journal
import RunStateMachine
import Runtime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The baseline the journal is measured against: plain SQLite with the journal's durability
/// settings (WAL, `synchronous=FULL`, `mmap_size=0`) and rows of the journal's mean size.
enum RawSQLite {
    static func measure(path: String, rowBytes: Int, rows: Int, commits: Int) throws -> (rowsPerSecond: Double, commitP50: Double) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let connection = try SQLiteConnection(path: path, readOnly: false)
        defer { connection.close() }
        try connection.execute(
            """
            PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA mmap_size = 0;
            CREATE TABLE raw (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
            """
        )
        let payload = [UInt8](repeating: 0x61, count: max(1, rowBytes))
        let insert = try connection.statement("INSERT INTO raw (payload) VALUES (?1)")
        let begin = try connection.statement("BEGIN IMMEDIATE")
        let commit = try connection.statement("COMMIT")
        let clock = ContinuousClock()

        var times: [Double] = []
        for _ in 0..<commits {
            let start = clock.now
            try begin.run()
            insert.bind(blob: 1, payload)
            try insert.run()
            try commit.run()
            times.append((clock.now - start).seconds * 1000)
        }
        times.sort()

        let start = clock.now
        var inserted = 0
        while inserted < rows {
            try begin.run()
            for _ in 0..<1000 {
                insert.bind(blob: 1, payload)
                try insert.run()
            }
            try commit.run()
            inserted += 1000
        }
        let elapsed = (clock.now - start).seconds
        return (Double(inserted) / elapsed, times[times.count / 2])
    }
}
