/// The web UI of Custodia as a pure layer: view values in, HTML out.
///
/// The server parses a request, reads the store, builds one of the page values
/// (`DashboardPage`, `ItemPage`, …), and asks a `WebRenderer` for the HTML. Recording forms
/// go through `RecordingValidator`, which turns submitted fields into the same `Event` the
/// JSON API takes, or into field errors in the user's language. Nothing here touches a
/// socket or a store. See `docs/web.md`.
public enum CustodiaWeb {}
