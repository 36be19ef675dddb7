import RunStateMachine

/// The rlimits set on each command's process (and inherited by everything it starts).
public struct ProcessLimits: Hashable, Sendable {
    /// `RLIMIT_AS`: address space per process, in bytes.
    public var addressSpaceBytes: UInt64
    /// `RLIMIT_CPU`: CPU seconds per process.
    public var cpuSeconds: UInt64
    /// `RLIMIT_NPROC`: processes of the command's user.
    public var processes: UInt64
    /// `RLIMIT_FSIZE`: largest file a process may write, in bytes.
    public var fileSizeBytes: UInt64
    /// `RLIMIT_NOFILE`: open files per process.
    public var openFiles: UInt64

    /// Creates limits.
    public init(addressSpaceBytes: UInt64, cpuSeconds: UInt64, processes: UInt64, fileSizeBytes: UInt64, openFiles: UInt64 = 1024) {
        self.addressSpaceBytes = addressSpaceBytes
        self.cpuSeconds = cpuSeconds
        self.processes = processes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
    }

    /// The limits a job spec asks for.
    public init(_ limits: ResourceLimits) {
        self.init(
            addressSpaceBytes: UInt64(limits.memoryMiB) << 20,
            cpuSeconds: UInt64(limits.cpuSeconds),
            processes: UInt64(limits.processes),
            fileSizeBytes: UInt64(limits.fileSizeMiB) << 20
        )
    }
}

extension ProcessLimits: JSONCodable {
    /// Decodes the form ``json`` writes.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(
            addressSpaceBytes: UInt64(max(0, try fields.int64("addressSpaceBytes"))),
            cpuSeconds: UInt64(max(0, try fields.int64("cpuSeconds"))),
            processes: UInt64(max(0, try fields.int64("processes"))),
            fileSizeBytes: UInt64(max(0, try fields.int64("fileSizeBytes"))),
            openFiles: UInt64(max(0, try fields.int64("openFiles")))
        )
    }

    /// `{"addressSpaceBytes":..,"cpuSeconds":..,"processes":..,"fileSizeBytes":..,"openFiles":..}`.
    public var json: JSONValue {
        [
            "addressSpaceBytes": .int(Int64(clamping: addressSpaceBytes)),
            "cpuSeconds": .int(Int64(clamping: cpuSeconds)),
            "processes": .int(Int64(clamping: processes)),
            "fileSizeBytes": .int(Int64(clamping: fileSizeBytes)),
            "openFiles": .int(Int64(clamping: openFiles)),
        ]
    }
}
