/// The web UI's pages, rendered from view values. See `docs/` for what each page shows.
public enum CustodiaWeb {}
