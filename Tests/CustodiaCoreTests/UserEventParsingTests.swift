import Testing

@testable import CustodiaCore

private let at = #""occurredAt":"2026-03-01T08:00:00Z""#

private func parse(_ json: String, source: Event.Source = .input) throws -> Event {
    try Event(json: try JSONParser.parse(json), source: source)
}

/// A user or token line that parses, and the change it must carry.
struct GoodUserLine: Sendable, CustomTestStringConvertible {
    let json: String
    let kind: EventKind
    let change: UserChange
    var testDescription: String { json }
}

@Suite struct UserEventParsingTests {
    static let good: [GoodUserLine] = [
        GoodUserLine(
            json: #"{"kind":"user-add",\#(at),"user":{"code":"ana.perez","role":"clerk","scope":"DEP-01"}}"#, kind: .userAdd,
            change: .add(code: "ana.perez", role: .clerk, scope: "DEP-01")),
        GoodUserLine(
            json: #"{"kind":"user-add",\#(at),"user":{"role":"auditor","code":"aud-1"}}"#, kind: .userAdd,
            change: .add(code: "aud-1", role: .auditor, scope: nil)),
        GoodUserLine(
            json: #"{"kind":"user-add",\#(at),"user":{"code":"aud-1","role":"admin","scope":null}}"#, kind: .userAdd,
            change: .add(code: "aud-1", role: .admin, scope: nil)),
        GoodUserLine(
            json: #"{"kind":"user-change",\#(at),"user":{"code":"ana","role":"inspector"}}"#, kind: .userChange,
            change: .change(code: "ana", role: .inspector, scope: nil)),
        GoodUserLine(
            json: #"{"kind":"user-change",\#(at),"user":{"code":"ana","scope":"Z-1"}}"#, kind: .userChange,
            change: .change(code: "ana", role: nil, scope: .some("Z-1"))),
        GoodUserLine(
            json: #"{"kind":"user-change",\#(at),"user":{"code":"ana","role":"admin","scope":null}}"#, kind: .userChange,
            change: .change(code: "ana", role: .admin, scope: .some(nil))),
        GoodUserLine(
            json: #"{"kind":"user-disable",\#(at),"user":{"code":"ana"},"reason":"left the service"}"#, kind: .userDisable,
            change: .disable(code: "ana")),
        GoodUserLine(
            json: #"{"kind":"token-create",\#(at),"user":{"code":"ana","token":"0123456789abcdef"}}"#, kind: .tokenCreate,
            change: .token("0123456789abcdef", owner: "ana")),
        GoodUserLine(
            json: #"{"kind":"token-revoke",\#(at),"user":{"token":"0123456789abcdef","code":"ana"}}"#, kind: .tokenRevoke,
            change: .token("0123456789abcdef", owner: "ana")),
    ]

    @Test(arguments: good)
    func userAndTokenLinesParseIntoTheirChange(line: GoodUserLine) throws {
        let e = try parse(line.json)
        #expect(e.kind == line.kind)
        #expect(e.user == line.change)
        #expect(e.from == nil && e.to == nil && e.holder == nil)
        // The recorded form reads back as the same change, from the ledger too.
        var recorded = e
        recorded.recordedAt = "2026-03-01T09:00:00Z"
        recorded.recordedBy = "admin-1"
        let again = try Event(json: recorded.jsonValue, source: .ledger)
        #expect(again == recorded)
    }

    @Test func theRecordedFormCarriesOnlyCodeRoleScopeAndTokenID() throws {
        let add = try parse(#"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","scope":"DEP-01"}}"#)
        #expect(
            add.jsonValue
                == .object([
                    ("kind", .string("user-add")), ("occurredAt", .string("2026-03-01T08:00:00Z")),
                    ("user", .object([("code", .string("ana")), ("role", .string("clerk")), ("scope", .string("DEP-01"))])),
                ]))
        let unscoped = try parse(#"{"kind":"user-add",\#(at),"user":{"code":"aud","role":"auditor","scope":null}}"#)
        #expect(
            unscoped.jsonValue.objectValue?.first { $0.0 == "user" }?.1
                == .object([("code", .string("aud")), ("role", .string("auditor"))]))
        let cleared = try parse(#"{"kind":"user-change",\#(at),"user":{"code":"ana","scope":null}}"#)
        #expect(
            cleared.jsonValue.objectValue?.first { $0.0 == "user" }?.1 == .object([("code", .string("ana")), ("scope", .null)]))
        let kept = try parse(#"{"kind":"user-change",\#(at),"user":{"code":"ana","role":"viewer"}}"#)
        #expect(
            kept.jsonValue.objectValue?.first { $0.0 == "user" }?.1
                == .object([("code", .string("ana")), ("role", .string("viewer"))]))
    }

    static let bad: [BadEventLine] = [
        BadEventLine(#"{"kind":"user-add",\#(at)}"#, "user", "missing; a user-add names the user"),
        BadEventLine(#"{"kind":"token-revoke",\#(at)}"#, "user", "names the user and the token"),
        BadEventLine(#"{"kind":"user-add",\#(at),"user":"ana"}"#, "user", "expected an object"),
        BadEventLine(#"{"kind":"user-add",\#(at),"user":{"role":"clerk","scope":"D"}}"#, "user.code", "missing"),
        BadEventLine(#"{"kind":"user-add",\#(at),"user":{"code":"ana perez","role":"clerk"}}"#, "user.code", "not a user code"),
        BadEventLine(#"{"kind":"user-add",\#(at),"user":{"code":7,"role":"clerk"}}"#, "user.code", "expected a string"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","scope":"D"}}"#, "user.role", "missing; give the user's role"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"boss"}}"#, "user.role",
            #"unknown role "boss"; use one of viewer, clerk, custodian, inspector, auditor, admin"#),
        BadEventLine(#"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"Admin"}}"#, "user.role", "unknown role"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","scope":"D 1"}}"#, "user.scope", "not a holder code"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","scope":3}}"#, "user.scope", "expected a string"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","password":"hunter2hunter2"}}"#, "user.password",
            "not a field of a user-add; its user has code, role, scope"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","name":"Ana Pérez"}}"#, "user.name", "not a field"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"clerk","token":"T1"}}"#, "user.token", "not a field"),
        BadEventLine(#"{"kind":"user-change",\#(at),"user":{"code":"ana"}}"#, "user", "a user-change sets role, scope or both"),
        BadEventLine(
            #"{"kind":"user-disable",\#(at),"user":{"code":"ana","role":"viewer"}}"#, "user.role", "not a field of a user-disable"
        ),
        BadEventLine(#"{"kind":"user-disable",\#(at),"user":{"code":"ana","scope":null}}"#, "user.scope", "not a field"),
        BadEventLine(#"{"kind":"token-create",\#(at),"user":{"code":"ana"}}"#, "user.token", "missing; give the token's id"),
        BadEventLine(#"{"kind":"token-create",\#(at),"user":{"code":"ana","token":"a b"}}"#, "user.token", "not a token id"),
        BadEventLine(
            #"{"kind":"token-create",\#(at),"user":{"code":"ana","token":"T1","secret":"x"}}"#, "user.secret",
            "its user has code, token"),
        BadEventLine(#"{"kind":"token-revoke",\#(at),"user":{"token":"T1"}}"#, "user.code", "missing"),
        BadEventLine(
            #"{"kind":"token-revoke",\#(at),"user":{"code":"ana","token":"T1","role":"admin"}}"#, "user.role", "not a field"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"from":"DEP-01","user":{"code":"ana","role":"admin"}}"#, "from",
            "a user-add changes users only"),
        BadEventLine(
            #"{"kind":"user-disable",\#(at),"items":[{"id":1}],"user":{"code":"ana"}}"#, "items", "changes users only"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"holder":{"code":"X"},"user":{"code":"ana","role":"admin"}}"#, "holder",
            "changes users only"),
        BadEventLine(
            #"{"kind":"token-create",\#(at),"witnesses":["P-1"],"user":{"code":"ana","token":"T1"}}"#, "witnesses",
            "changes users only"),
        BadEventLine(
            #"{"kind":"issue",\#(at),"from":"A","to":"B","items":[{"id":1}],"user":{"code":"ana"}}"#, "user",
            "only user-add, user-change, user-disable, token-create and token-revoke take a user"),
        BadEventLine(
            #"{"kind":"user-add",\#(at),"user":{"code":"ana","role":"admin"},"recordedBy":"x"}"#, "recordedBy",
            "is set by Custodia"),
    ]

    @Test(arguments: bad)
    func malformedUserAndTokenLinesAreRefusedWithTheirField(line: BadEventLine) throws {
        let value = try JSONParser.parse(line.json)
        do {
            let e = try Event(json: value)
            Issue.record("expected a refusal, parsed \(e)")
        } catch {
            #expect(error.field == line.field, "\(error)")
            #expect(error.message.contains(line.phrase), "\(error)")
        }
    }

    @Test func theUnknownKindMessageListsTheUserKinds() throws {
        let value = try JSONParser.parse(#"{"kind":"user-delete",\#(at)}"#)
        do {
            _ = try Event(json: value)
            Issue.record("user-delete parsed")
        } catch {
            #expect(error.field == "kind")
            for kind in ["user-add", "user-change", "user-disable", "token-create", "token-revoke"] {
                #expect(error.message.contains(kind), "\(error)")
            }
        }
    }
}
