import Hummingbird

/// An RFC 9457 problem: every refusal the server gives, as `application/problem+json`.
///
/// `type` is a URN naming the kind of problem (`urn:custodia:problem:invalid-event`); the
/// `detail` says what is wrong and what to do. Event batches add `errors`: one entry per
/// refused event, with its index in the request, the field and the reason.
struct Problem: Error, HTTPResponseError, CustomStringConvertible {
    /// One refused event or field.
    struct FieldProblem: Sendable, Equatable {
        var index: Int?
        var field: String
        var message: String
        /// The stable code of the rule that refused (`policy.separation`, `custody`, …).
        var code: String? = nil
    }

    var status: HTTPResponse.Status
    var slug: String
    var title: String
    var detail: String
    var errors: [FieldProblem] = []
    var headers: HTTPFields = [:]

    var type: String { "urn:custodia:problem:\(slug)" }
    var description: String { "\(status.code) \(slug): \(detail)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: (context as? CustodiaRequestContext)?.requestID)
    }

    func response(requestID: String?) -> Response {
        var members: [(String, JSONOut)] = [
            ("type", .string(type)), ("title", .string(title)), ("status", .int(Int64(status.code))),
            ("detail", .string(detail)),
        ]
        if !errors.isEmpty {
            members.append(
                (
                    "errors",
                    .array(
                        errors.map { e in
                            var m: [(String, JSONOut)] = []
                            if let index = e.index { m.append(("index", .int(Int64(index)))) }
                            m.append(("field", .string(e.field)))
                            m.append(("message", .string(e.message)))
                            if let code = e.code { m.append(("code", .string(code))) }
                            return .object(m)
                        })
                ))
        }
        if let requestID, !requestID.isEmpty { members.append(("requestId", .string(requestID))) }
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONOut.object(members).encoded())))
    }
}

extension Problem {
    static func badRequest(_ detail: String, slug: String = "invalid-request", errors: [FieldProblem] = []) -> Problem {
        Problem(status: .badRequest, slug: slug, title: "The request is not valid", detail: detail, errors: errors)
    }

    static func invalidJSON(_ detail: String) -> Problem {
        Problem(status: .badRequest, slug: "invalid-json", title: "The body is not valid JSON", detail: detail)
    }

    static func invalidCursor(_ detail: String) -> Problem {
        Problem(status: .badRequest, slug: "invalid-cursor", title: "The cursor is not valid", detail: detail)
    }

    static func unauthenticated(_ detail: String) -> Problem {
        Problem(
            status: .unauthorized, slug: "unauthenticated", title: "Sign in first", detail: detail,
            headers: [.wwwAuthenticate: "Bearer realm=\"custodia\""])
    }

    static func forbidden(_ detail: String, errors: [FieldProblem] = []) -> Problem {
        Problem(status: .forbidden, slug: "forbidden", title: "Your role does not allow this", detail: detail, errors: errors)
    }

    static func outOfScope(_ detail: String, errors: [FieldProblem] = []) -> Problem {
        Problem(
            status: .forbidden, slug: "out-of-scope", title: "Outside your scope", detail: detail, errors: errors)
    }

    static func csrf(_ detail: String) -> Problem {
        Problem(status: .forbidden, slug: "csrf", title: "The CSRF token is missing or wrong", detail: detail)
    }

    static func confirmationRequired(_ detail: String, errors: [FieldProblem]) -> Problem {
        Problem(
            status: .forbidden, slug: "confirmation-required", title: "A second person's confirmation is missing",
            detail: detail, errors: errors)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, slug: "not-found", title: "Not found", detail: detail)
    }

    static func refused(_ detail: String, errors: [FieldProblem]) -> Problem {
        Problem(
            status: .conflict, slug: "refused-by-rules", title: "The custody rules refuse the events", detail: detail,
            errors: errors)
    }

    static func tooLarge(_ detail: String) -> Problem {
        Problem(status: .contentTooLarge, slug: "too-large", title: "The body is too large", detail: detail)
    }

    static func unsupportedMediaType(_ detail: String) -> Problem {
        Problem(
            status: .unsupportedMediaType, slug: "unsupported-media-type", title: "Send JSON", detail: detail)
    }

    static func tooManyRequests(_ detail: String, retryAfter: Int) -> Problem {
        Problem(
            status: .tooManyRequests, slug: "too-many-requests", title: "Too many attempts", detail: detail,
            headers: [.retryAfter: String(retryAfter)])
    }

    static func unavailable(_ detail: String) -> Problem {
        Problem(status: .serviceUnavailable, slug: "unavailable", title: "Not available now", detail: detail)
    }

    static func internalError() -> Problem {
        Problem(
            status: .internalServerError, slug: "internal", title: "Internal error",
            detail: "the server failed on this request; nothing was written. Report the requestId to the operator")
    }

    /// A problem for an HTTP status raised below the API (routing, body limits).
    static func http(_ status: HTTPResponse.Status) -> Problem {
        switch status {
        case .notFound:
            return .notFound("no resource at this path and method; see /api/openapi.yaml for the API")
        case .contentTooLarge:
            return .tooLarge("the body is larger than this endpoint accepts; see the limits in /api/openapi.yaml")
        case .methodNotAllowed:
            return Problem(
                status: .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                detail: "this path does not take this method; see /api/openapi.yaml")
        default:
            if status.code >= 500 { return internalError() }
            return Problem(
                status: status, slug: "http-\(status.code)", title: status.reasonPhrase,
                detail: "the request was refused (\(status.code) \(status.reasonPhrase))")
        }
    }
}
