import CustodiaCore
import Foundation

/// Reads and parses an event source on a second thread, a chunk ahead of the store, so that
/// parsing (JSON, CSV) and applying (rules, SQLite) use both cores. Given the append's
/// options, that thread also prepares each event's leaf and hash (see `PreparedLeaf`).
///
/// Call `finish()` once the append is done (it stops and joins the reading thread); the
/// inner source's memory must stay valid until then.
public final class BackgroundEventSource<Inner: EventSource>: EventSource, PreparingEventSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [([SourcedEvent], [PreparedLeaf?])] = []
    private var producerDone = false
    private var cancelled = false
    private var current: [SourcedEvent] = []
    private var currentPrepared: [PreparedLeaf?] = []
    private var position = 0
    package let preparedFor: AppendOptions?
    private let mapping: Inner
    private let exited = DispatchSemaphore(value: 0)
    private let chunkSize: Int
    private let maxChunks: Int

    /// - Parameter preparing: the options of the append the events are for, to prepare
    ///   them for; nil to only read.
    public init(_ inner: Inner, preparing: AppendOptions? = nil, chunkSize: Int = 1024, maxChunks: Int = 8) {
        self.mapping = inner
        preparedFor = preparing
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
            var prepared: [PreparedLeaf?] = []
            if let o = preparedFor, !o.dryRun {
                prepared.reserveCapacity(chunk.count)
                for i in chunk.indices {
                    guard case .event(let line, var e) = chunk[i] else {
                        prepared.append(nil)
                        continue
                    }
                    prepared.append(PreparedLeaf(&e, recordedBy: o.recordedBy, recordedAt: o.recordedAt))
                    chunk[i] = .event(line: line, e)
                }
            }
            condition.lock()
            while chunks.count >= maxChunks, !cancelled { condition.wait() }
            if cancelled || chunk.isEmpty {
                producerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            chunks.append((chunk, prepared))
            let last = chunk.count < chunkSize
            if last { producerDone = true }
            condition.broadcast()
            condition.unlock()
            if last { return }
        }
    }

    package var lastPrepared: PreparedLeaf? {
        position > 0 && position <= currentPrepared.count ? currentPrepared[position - 1] : nil
    }

    public func next() -> SourcedEvent? {
        if position < current.count {
            defer { position += 1 }
            return take(position)
        }
        condition.lock()
        while chunks.isEmpty, !producerDone { condition.wait() }
        guard !chunks.isEmpty else {
            condition.unlock()
            return nil
        }
        (current, currentPrepared) = chunks.removeFirst()
        condition.broadcast()
        condition.unlock()
        position = 1
        return take(0)
    }

    /// Moves an event out of the current chunk, which is read once: a copy would retain
    /// every field of the event, and the chunk release them again later.
    private func take(_ index: Int) -> SourcedEvent {
        var out = SourcedEvent.invalid(line: 0, FieldError("", "taken"))
        swap(&out, &current[index])
        return out
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
