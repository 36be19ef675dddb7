import Journal
import PostgresNIO

extension WriteStatement {
    /// Adds the insert of `records` into the journal.
    mutating func add(recordsOf records: [BatchPlan.Record]) {
        let payload = records.reduce(0) { $0 + $1.event.count + ($1.state?.count ?? 0) + ($1.intents?.count ?? 0) + 160 }
        var seq = PostgresArray(.int8), runNo = PostgresArray(.int8), runSeq = PostgresArray(.int8), runPrev = PostgresArray(.int8)
        var kind = PostgresArray(.text), epoch = PostgresArray(.int8), at = PostgresArray(.int8)
        var event = PostgresArray(.text, capacity: payload), state = PostgresArray(.text, capacity: payload)
        var intents = PostgresArray(.text), abandons = PostgresArray(.text), answers = PostgresArray(.text)
        var prevHash = PostgresArray(.bytea), hash = PostgresArray(.bytea), format = PostgresArray(.int8)
        for record in records {
            seq.append(record.seq)
            runNo.append(record.runNo)
            runSeq.append(Int64(record.runSeq))
            runPrev.append(record.runPrev)
            kind.append(string: record.kind.rawValue)
            epoch.append(record.epoch)
            at.append(record.atMilliseconds)
            event.append(text: record.event)
            state.append(text: record.state)
            intents.append(text: record.intents)
            abandons.append(text: record.abandons)
            answers.append(text: record.answers)
            prevHash.append(text: record.prevHash)
            hash.append(text: record.hash)
            format.append(HashChain.currentFormat)
        }
        add(
            """
            INSERT INTO journal (seq, run_no, run_seq, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, format)
            SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::int8[], $7::int8[], $8::text[], $9::text[],
                                 $10::text[], $11::text[], $12::text[], $13::bytea[], $14::bytea[], $15::int8[])
            """,
            [seq, runNo, runSeq, runPrev, kind, epoch, at, event, state, intents, abandons, answers, prevHash, hash, format]
        )
    }
}
