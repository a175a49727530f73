import CustodiaCore
import Prometheus
import Synchronization

/// The server's Prometheus metrics, in its own registry (served at `/metrics`).
///
/// - `custodia_http_requests_total{route,method,status}` and
///   `custodia_http_request_duration_seconds{route,method,status}`: every request, by the
///   route pattern (not the concrete path, so ids never become labels);
/// - `custodia_events_appended_total`, `custodia_write_groups_total`,
///   `custodia_write_group_requests` (requests per group commit),
///   `custodia_write_group_duration_seconds` (a group's append and commit, disk flush
///   included) and `custodia_write_group_tally_seconds` (updating the web counts after it);
/// - `custodia_ledger_size`: events in the ledger;
/// - `custodia_alerts{rule,severity}`: the alerts of the pack in force (docs/policies.md);
/// - `custodia_sign_ins_total{outcome}`: accepted, refused, throttled;
/// - per witness: `custodia_witness_up{witness}` (1 when its last answer was a valid
///   cosignature), `custodia_witness_cosigned_size{witness}`,
///   `custodia_witness_cosignatures_total{witness}` and `custodia_witness_failures_total{witness}`.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let eventsAppended: Counter
    let writeGroups: Counter
    let groupRequests: ValueHistogram
    let groupDuration: DurationHistogram
    let groupTally: DurationHistogram
    let ledgerSize: Gauge
    let alertUpdate: DurationHistogram
    let alertUpdateEvents: Counter

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let requests = Mutex<[Key: (Counter, DurationHistogram)]>([:])
    private let signIns = Mutex<[String: Counter]>([:])
    private let alertGauges = Mutex<[String: Gauge]>([:])
    private static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5),
    ]

    init() {
        eventsAppended = registry.makeCounter(
            descriptor: .init(
                namespace: "custodia", metricName: "events_appended", unitName: "total", helpText: "Events written to the ledger")
        )
        writeGroups = registry.makeCounter(
            descriptor: .init(
                namespace: "custodia", metricName: "write_groups", unitName: "total", helpText: "Group commits"))
        groupRequests = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "custodia", metricName: "write_group", unitName: "requests",
                helpText: "Requests committed together in one group"),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        groupDuration = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "custodia", subsystem: "write_group", metricName: "duration", unitName: "seconds",
                helpText: "A group's append and commit, the disk flush included"),
            buckets: Self.buckets)
        groupTally = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "custodia", subsystem: "write_group", metricName: "tally", unitName: "seconds",
                helpText: "Updating the state kept in memory (the web counts) after a group commit"),
            buckets: Self.buckets)
        alertUpdate = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "custodia", subsystem: "alert_update", metricName: "duration", unitName: "seconds",
                helpText: "Folding a group commit into the alerts' inputs (per group)"),
            buckets: [
                .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
                .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
            ])
        alertUpdateEvents = registry.makeCounter(
            descriptor: .init(
                namespace: "custodia", metricName: "alert_update_events", unitName: "total",
                helpText: "Events folded into the alerts' inputs"))
        ledgerSize = registry.makeGauge(
            descriptor: .init(namespace: "custodia", metricName: "ledger", unitName: "size", helpText: "Events in the ledger"))
    }

    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = Key(route: route, method: method, status: status)
        let (counter, histogram) = requests.withLock { map in
            if let found = map[key] { return found }
            let labels = [("route", route), ("method", method), ("status", String(status))]
            let made = (
                registry.makeCounter(
                    descriptor: .init(
                        namespace: "custodia", subsystem: "http", metricName: "requests", unitName: "total",
                        helpText: "HTTP requests by route, method and status"), labels: labels),
                registry.makeDurationHistogram(
                    descriptor: .init(
                        namespace: "custodia", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                        helpText: "HTTP request latency by route, method and status"), labels: labels, buckets: Self.buckets)
            )
            map[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// Sets `custodia_alerts{rule,severity}` to the counts of `alerts`, every pair included.
    /// One group commit folded into the alerts' inputs.
    func alertUpdate(seconds: Double, events: Int) {
        alertUpdate.record(Duration.seconds(seconds))
        alertUpdateEvents.increment(by: Int64(events))
    }

    func alerts(_ alerts: [Alert]) {
        var counts: [String: Int] = [:]
        for a in alerts { counts["\(a.rule.rawValue) \(a.severity.rawValue)", default: 0] += 1 }
        for rule in AlertRule.allCases {
            for severity in AlertSeverity.allCases {
                let key = "\(rule.rawValue) \(severity.rawValue)"
                let gauge = alertGauges.withLock { map in
                    if let g = map[key] { return g }
                    let g = registry.makeGauge(
                        descriptor: .init(
                            namespace: "custodia", metricName: "alerts", helpText: "Alerts of the policy pack in force"),
                        labels: [("rule", rule.rawValue), ("severity", severity.rawValue)])
                    map[key] = g
                    return g
                }
                gauge.set(Int64(counts[key] ?? 0))
            }
        }
    }

    func signIn(_ outcome: String) {
        let counter = signIns.withLock { map in
            if let c = map[outcome] { return c }
            let c = registry.makeCounter(
                descriptor: .init(
                    namespace: "custodia", metricName: "sign_ins", unitName: "total", helpText: "Sign-in attempts by outcome"),
                labels: [("outcome", outcome)])
            map[outcome] = c
            return c
        }
        counter.increment()
    }

    /// The gauges and counters of one witness.
    struct WitnessGauges: Sendable {
        let up: Gauge
        let cosignedSize: Gauge
        let cosignatures: Counter
        let failures: Counter
    }

    func witness(_ name: String) -> WitnessGauges {
        let labels = [("witness", name)]
        return WitnessGauges(
            up: registry.makeGauge(
                descriptor: .init(
                    namespace: "custodia", subsystem: "witness", metricName: "up",
                    helpText: "1 when the witness's last answer was a valid cosignature, 0 otherwise"), labels: labels),
            cosignedSize: registry.makeGauge(
                descriptor: .init(
                    namespace: "custodia", subsystem: "witness", metricName: "cosigned", unitName: "size",
                    helpText: "The largest checkpoint size the witness cosigned"), labels: labels),
            cosignatures: registry.makeCounter(
                descriptor: .init(
                    namespace: "custodia", subsystem: "witness", metricName: "cosignatures", unitName: "total",
                    helpText: "Cosignatures received"), labels: labels),
            failures: registry.makeCounter(
                descriptor: .init(
                    namespace: "custodia", subsystem: "witness", metricName: "failures", unitName: "total",
                    helpText: "Submissions the witness refused or did not answer"), labels: labels))
    }

    /// The metrics in the Prometheus text format.
    func emit() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
