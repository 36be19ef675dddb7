import Journal
import RunStateMachine

extension RunSummary {
    /// The summary as JSON.
    var json: JSONValue {
        var object: JSONObject = [
            "run": .string(run.id.value),
            "machine": .string(machine),
            "machineVersion": .string(machineVersion),
            "state": .string(stateName),
            "terminal": .bool(terminal),
            "records": .int(Int64(lastRunSeq)),
            "lastSeq": .int(lastSeq),
            "leaseEpoch": .int(leaseEpoch),
            "createdAt": .string("\(createdAt)"),
            "updatedAt": .string("\(updatedAt)"),
            "inputHash": .string(inputHash),
        ]
        if let name { object["name"] = .string(name) }
        if let idempotencyKey { object["idempotencyKey"] = .string(idempotencyKey) }
        if let leaseOwner { object["leaseOwner"] = .string(leaseOwner) }
        if let leaseExpiresAt {
            // A released lease (expiry 0) is said as such, not as held until 1970.
            if leaseExpiresAt.milliseconds <= 0 {
                object["leaseReleased"] = .bool(true)
            } else {
                object["leaseExpiresAt"] = .string("\(leaseExpiresAt)")
            }
        }
        return .object(object)
    }
}
