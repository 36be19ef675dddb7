import RunStateMachine

extension JournalStore {
    /// The journal's head as a witness to keep outside its database, or `nil` while it is empty.
    public func witness() async throws(JournalError) -> ChainWitness? {
        try await head().map { ChainWitness(seq: $0.seq, hash: $0.hash) }
    }

    /// What the journal contradicts of `witnesses`: a witnessed record it no longer has (records
    /// lost at its end), or has with another hash (rewritten at or before it). Together with a
    /// clean chain (``verify(registry:maxProblems:)``), a witness the journal agrees with shows
    /// that every record up to it is the one witnessed.
    public func check(_ witnesses: [ChainWitness]) async throws(JournalError) -> [VerifyProblem] {
        var problems: [VerifyProblem] = []
        for witness in Set(witnesses).sorted(by: { $0.seq < $1.seq }) {
            guard let hash = try await recordHash(at: witness.seq) else {
                problems.append(
                    VerifyProblem(
                        code: .truncated,
                        seq: witness.seq,
                        run: nil,
                        message: "a witness saw record \(witness.seq) (\(witness)), which the journal no longer has: records at its end were lost"
                    )
                )
                continue
            }
            if hash != witness.hash {
                problems.append(
                    VerifyProblem(
                        code: .witnessMismatch,
                        seq: witness.seq,
                        run: nil,
                        message: "a witness saw hash \(ContentHash.hex(witness.hash)) here, the journal has \(ContentHash.hex(hash)): it was rewritten at or before this record"
                    )
                )
            }
        }
        return problems
    }
}
