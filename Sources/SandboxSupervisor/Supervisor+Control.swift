import CSandbox
import RunStateMachine

#if canImport(Glibc)
import Glibc
#endif

extension Supervisor {
    /// How long one connection may take to send its request, in milliseconds.
    static let requestTimeout = 1_000

    /// Answers every pending connection on the control socket, one request each.
    func acceptRequests() {
        while true {
            let connection = csb_accept(listener)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            answer(connection)
        }
    }

    func answer(_ connection: Int32) {
        ControlSocket.setTimeouts(connection, milliseconds: Self.requestTimeout)
        guard ControlSocket.peerUser(connection) == owner else {
            reply(connection, ControlReply(ok: false, detail: "only the sandbox's owner may control it"))
            return
        }
        guard let line = ControlSocket.readLine(connection),
            let value = try? JSONValue.parse(line),
            let request = try? ControlRequest(json: value)
        else {
            reply(connection, ControlReply(ok: false, detail: "unreadable request"))
            return
        }
        switch request {
        case .ping:
            reply(connection, ControlReply(ok: true, detail: "alive"))
        case .run(let spec):
            reply(connection, start(spec))
        case .kill(let reason):
            end(because: "killed: \(reason)", replyingTo: connection)
        }
    }

    func reply(_ connection: Int32, _ reply: ControlReply) {
        _ = ControlSocket.writeAll(connection, reply.json.canonicalBytes + [10])
        close(connection)
    }
}
