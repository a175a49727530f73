import CustodiaCore
import Foundation

/// Reads and parses an event source on a second thread, a chunk ahead of the store, so that
/// parsing (JSON, CSV) and applying (rules, hashing, SQLite) use both cores.
///
/// Call `finish()` once the append is done (it stops and joins the reading thread); the
/// inner source's memory must stay valid until then.
public final class BackgroundEventSource<Inner: EventSource>: EventSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[SourcedEvent]] = []
    private var producerDone = false
    private var cancelled = false
    private var current: [SourcedEvent] = []
    private var position = 0
    private let mapping: Inner
    private let exited = DispatchSemaphore(value: 0)
    private let chunkSize: Int
    private let maxChunks: Int

    public init(_ inner: Inner, chunkSize: Int = 1024, maxChunks: Int = 8) {
        self.mapping = inner
        self.chunkSize = chunkSize
        self.maxChunks = maxChunks
        let box = UncheckedBox(inner)
        let thread = Thread { [self] in
            produce(&box.value)
            exited.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func produce(_ inner: inout Inner) {
        while true {
            var chunk: [SourcedEvent] = []
            chunk.reserveCapacity(chunkSize)
            while chunk.count < chunkSize, let e = inner.next() { chunk.append(e) }
            condition.lock()
            while chunks.count >= maxChunks, !cancelled { condition.wait() }
            if cancelled || chunk.isEmpty {
                producerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            chunks.append(chunk)
            let last = chunk.count < chunkSize
            if last { producerDone = true }
            condition.broadcast()
            condition.unlock()
            if last { return }
        }
    }

    public func next() -> SourcedEvent? {
        if position < current.count {
            defer { position += 1 }
            return current[position]
        }
        condition.lock()
        while chunks.isEmpty, !producerDone { condition.wait() }
        guard !chunks.isEmpty else {
            condition.unlock()
            return nil
        }
        current = chunks.removeFirst()
        condition.broadcast()
        condition.unlock()
        position = 1
        return current[0]
    }

    public func inputField(for eventField: String) -> String { mapping.inputField(for: eventField) }

    /// Stops the reading thread and waits for it to exit.
    public func finish() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
        exited.wait()
        exited.signal()
    }
}

private final class UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
