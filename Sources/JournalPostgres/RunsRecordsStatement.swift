import PostgresNIO

/// The records of many runs, each run's found by following `run_prev` back from its head (the
/// journal has no index by run, which keeps appends to one index), in run and then sequence
/// order. A prepared statement: planned once per connection.
struct RunsRecordsStatement: PostgresPreparedStatement {
    static let sql = """
        WITH RECURSIVE chain(run_no, seq) AS (
            SELECT run_no, last_seq FROM run_heads WHERE run_no = ANY($1::int8[])
            UNION ALL
            SELECT c.run_no, j.run_prev FROM journal j JOIN chain c ON j.seq = c.seq WHERE j.run_prev < c.seq
        )
        SELECT \(PostgresJournal.recordColumns.split(separator: ",").map { "j." + $0.trimmingPrefix(" ") }.joined(separator: ", "))
        FROM chain c JOIN journal j ON j.seq = c.seq AND j.run_no = c.run_no
        ORDER BY j.run_no, j.seq
        """
    typealias Row = PostgresRow

    /// The runs' numbers.
    let runs: [Int64]

    func makeBindings() -> PostgresBindings {
        var binds = PostgresBindings(capacity: 1)
        binds.append(PostgresArray(int8: runs))
        return binds
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
