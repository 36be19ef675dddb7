import ArgumentParser
import Journal
import RunStateMachine

/// `worker head`: the journal's head as a witness to keep outside its database.
struct HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the journal's head, SEQ:HASH: a witness to keep outside the database.",
        discussion: """
            Kept where the database's owner cannot rewrite it (an object store with object lock, \
            a log shipper, a ticket), a witness lets `worker verify --witness SEQ:HASH` show later \
            that the journal was not rewritten at or before that record, even by someone able to \
            rewrite the whole database and recompute the chain. `worker run` logs one a minute \
            (`witness=SEQ:HASH`, at level notice).
            """
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            let witness = try await journal.witness()
            if options.json {
                Console.printJSON(
                    witness.map { ["seq": .int($0.seq), "hash": .string(ContentHash.hex($0.hash)), "witness": .string($0.description)] } ?? .null
                )
            } else if let witness {
                print(witness)
            } else {
                print("the journal is empty: there is no head to witness yet")
            }
        }
    }
}
