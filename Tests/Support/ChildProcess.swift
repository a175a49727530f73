import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process for the tests, started with `posix_spawn`.
///
/// Foundation's `Process.run()` on Linux reads past the end of a buffer while it lists the
/// parent's open files (swift-corelibs-foundation pull request 5472, in Swift 6.3.1) and
/// crashes the test runner now and then when the suite spawns many processes. This does what
/// the tests need of it: a working directory, an environment, standard input from nothing, a
/// file or bytes, standard output and error to nothing or a file, every other descriptor
/// closed in the child; then the pid, signals and the exit status.
public final class ChildProcess: @unchecked Sendable {
    public enum Input: Sendable {
        case none
        case file(String)
        /// Bytes written to a pipe from another thread (a pipe holds only 64 KiB).
        case bytes(Data)
        /// A pipe the caller writes to through `standardInput` and closes.
        case pipe
    }

    public enum TerminationReason: Sendable, Equatable { case exit, uncaughtSignal }

    public let processIdentifier: pid_t
    /// The writing end of the child's standard input, for `Input.pipe`.
    public let standardInput: FileHandle?
    private let lock = NSLock()
    private var waitStatus: Int32?

    public init(
        executable: String, arguments: [String], environment: [String: String], directory: String? = nil,
        input: Input = .none, output: String? = nil, error: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeWrite: Int32 = -1
        var pipeRead: Int32 = -1
        defer { if pipeRead >= 0 { close(pipeRead) } }
        switch input {
        case .none:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .bytes, .pipe:
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw Self.failure("pipe") }
            // Neither end may leak into other children spawned meanwhile.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            pipeRead = fds[0]
            pipeWrite = fds[1]
        }
        for (fd, path) in [(Int32(1), output), (Int32(2), error)] {
            posix_spawn_file_actions_addopen(&actions, fd, path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if let directory {
            guard let chdir = Self.addChdir else { throw Self.failure("posix_spawn_file_actions_addchdir_np is missing") }
            _ = directory.withCString { chdir(&actions, $0) }
        }
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        if result != 0, pipeWrite >= 0 { close(pipeWrite) }
        guard result == 0 else { throw Self.failure("posix_spawn \(executable): error \(result)") }
        processIdentifier = pid
        if case .pipe = input {
            standardInput = FileHandle(fileDescriptor: pipeWrite, closeOnDealloc: true)
        } else {
            standardInput = nil
        }
        if case .bytes(let data) = input {
            let fd = pipeWrite
            Thread.detachNewThread {
                data.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n <= 0 { break }
                        offset += n
                    }
                }
                close(fd)
            }
        }
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if waitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(processIdentifier, &status, WNOHANG)
        if r == processIdentifier {
            waitStatus = status
            return false
        }
        return r == 0
    }

    /// Waits for the child to exit.
    public func waitUntilExit() {
        lock.lock()
        defer { lock.unlock() }
        guard waitStatus == nil else { return }
        var status: Int32 = 0
        while waitpid(processIdentifier, &status, 0) == -1, errno == EINTR {}
        waitStatus = status
    }

    /// The exit code, or the signal that ended the child.
    public var terminationStatus: Int32 {
        waitUntilExit()
        let s = lock.withLock { waitStatus ?? 0 }
        return s & 0x7f == 0 ? (s >> 8) & 0xff : s & 0x7f
    }

    public var terminationReason: TerminationReason {
        waitUntilExit()
        return lock.withLock { (waitStatus ?? 0) & 0x7f == 0 } ? .exit : .uncaughtSignal
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(processIdentifier, signal) }

    /// Kills the child with SIGKILL and waits for it.
    public func killHard() {
        send(SIGKILL)
        waitUntilExit()
    }

    /// Runs a command to its end.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String? = nil, input: Input = .none, output: String? = nil, error: String? = nil
    ) throws -> ChildProcess {
        let child = try ChildProcess(
            executable: executable, arguments: arguments, environment: environment, directory: directory, input: input,
            output: output, error: error)
        child.waitUntilExit()
        return child
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
        -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` and `…_addclosefrom_np`, which the
    /// Glibc module does not declare.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }

    private static func failure(_ what: String) -> NSError {
        NSError(domain: "ChildProcess", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: what])
    }
}
