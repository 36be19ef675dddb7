import RunStateMachine

/// What a write operation sees inside the writer's batch transaction: the connection and the
/// chain head, which it advances as it appends.
///
/// Operations must refuse (return a failure) before writing anything; an error thrown from a
/// write aborts and rolls back the whole batch.
struct WriteContext {
    let connection: SQLiteConnection
    /// The last record's sequence number and hash (0 and the genesis hash when empty).
    var headSeq: Int64
    var headHash: [UInt8]
    /// Reused for hashing records.
    var scratch: [UInt8] = []

    /// The sequence number the next appended record will get.
    var nextSeq: Int64 { headSeq + 1 }

    /// Appends one record to the journal in the current format, chained to the head, and
    /// advances the head.
    mutating func appendRecord(
        runNo: Int64,
        runSeq: Int,
        runPrev: Int64?,
        kind: RecordKind,
        epoch: Int64,
        at: Timestamp,
        event: [UInt8],
        state: [UInt8]?,
        intents: [UInt8]?,
        abandons: [UInt8]?,
        answers: IntentID?
    ) throws(SQLiteError) -> JournalReceipt {
        let seq = nextSeq
        let answersText = answers.map { Array($0.description.utf8) }
        let hash = HashChain.hash(
            prev: headHash,
            seq: seq,
            runNo: runNo,
            runSeq: runSeq,
            runPrev: runPrev,
            kind: kind,
            epoch: epoch,
            atMilliseconds: at.milliseconds,
            event: event,
            state: state,
            intents: intents,
            abandons: abandons,
            answers: answersText,
            scratch: &scratch
        )
        let insert = try connection.statement(
            """
            INSERT INTO journal (seq, run_no, run_seq, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, format)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """
        )
        insert.bind(1, seq)
        insert.bind(2, runNo)
        insert.bind(3, runSeq)
        insert.bind(4, runPrev)
        insert.bind(5, kind.rawValue)
        insert.bind(6, epoch)
        insert.bind(7, at.milliseconds)
        insert.bind(text: 8, event)
        insert.bind(text: 9, state)
        insert.bind(text: 10, intents)
        insert.bind(text: 11, abandons)
        insert.bind(text: 12, answersText)
        insert.bind(blob: 13, headHash)
        insert.bind(blob: 14, hash)
        insert.bind(15, HashChain.currentFormat)
        try insert.run()
        headSeq = seq
        headHash = hash
        return JournalReceipt(seq: seq, runSeq: runSeq, hash: hash)
    }
}
