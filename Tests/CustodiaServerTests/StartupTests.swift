import Foundation
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import CustodiaServer

/// Work registered with `AppState.onStart` runs when the application starts, before any
/// request asks for it, and the service that runs it lasts until shutdown.
@Suite struct StartupTests {
    @Test func startupTasksRunAtStartAndTheServiceLastsUntilShutdown() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        var logger = Logger(label: "custodia.test")
        logger.logLevel = .critical
        let app = AppState(
            configuration: server.configuration, store: server.store, users: server.users, logger: logger,
            now: { Date() })
        let ran = Mutex<[String]>([])
        app.onStart { ran.withLock { $0.append("first") } }
        app.onStart { throw URLError(.badURL) }
        app.onStart { ran.withLock { $0.append("after a failure") } }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [.init(service: StartupService(app: app))], logger: logger))
        let finished = Mutex(false)
        let running = Task {
            try await group.run()
            finished.withLock { $0 = true }
        }
        var waited = 0
        while ran.withLock({ $0.count }) < 2, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(ran.withLock { $0 } == ["first", "after a failure"], "a failing task does not stop the others")
        try await Task.sleep(for: .milliseconds(50))
        #expect(!finished.withLock { $0 }, "the service runs until shutdown")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(finished.withLock { $0 })
    }

    /// The live server with the web pages reports itself ready once its start-up work (the
    /// web pages' counts) is done, without any page having been asked for.
    @Test func theLiveServerBecomesReady() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        try await server.webApplication().test(.live) { client in
            var ready = false
            for _ in 0..<500 where !ready {
                let response = try await client.execute(
                    uri: "/healthz?detail=true", method: .get, headers: [.authorization: "Bearer \(server.tokens["root"]!)"])
                #expect(response.status == .ok)
                ready = String(buffer: response.body).contains("\"ready\":true")
                if !ready { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(ready)
        }
    }

    @Test func theRegisterTallyLoadsWhenWarmed() async throws {
        let server = try await TestServer.make()
        defer { server.discard() }
        let tally = server.tally()
        #expect(await !tally.isLoaded)
        try await tally.warm()
        #expect(await tally.isLoaded)
    }
}
