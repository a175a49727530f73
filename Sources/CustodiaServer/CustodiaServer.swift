/// The Hummingbird application: JSON API under `/api/v1`, the web UI under `/`, the
/// ledger's tiles under `/tlog/`.
public enum CustodiaServer {}
