"""Webhook delivery metrics (Prometheus, served at /metrics with the service's others)."""

from prometheus_client import Counter, Gauge, Histogram

DELIVERY_ATTEMPTS = Counter(
    "cmdi_webhook_attempts_total",
    "Webhook delivery attempts by outcome (succeeded, http_error, timeout, network_error, "
    "refused).",
    ["outcome"],
)
DELIVERIES_FINISHED = Counter(
    "cmdi_webhook_deliveries_total",
    "Webhook deliveries finished, by final status (succeeded, failed).",
    ["status"],
)
FIRST_ATTEMPT_LAG = Histogram(
    "cmdi_webhook_first_attempt_lag_seconds",
    "From the event's commit (its occurred_at) to the first attempt to deliver it.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
)
ENDPOINTS_DISABLED = Counter(
    "cmdi_webhook_endpoints_disabled_total",
    "Endpoints disabled by the delivery worker, by reason (gone, failing).",
    ["reason"],
)
DELIVERIES_DUE = Gauge(
    "cmdi_webhook_deliveries_due",
    "Deliveries whose next attempt is due now and not leased by a worker (the backlog), read by "
    "each replica's worker every few seconds: the same figure on every replica.",
)
OLDEST_DUE = Gauge(
    "cmdi_webhook_oldest_due_seconds",
    "How long the longest-waiting due delivery has waited past its attempt time (0: none).",
)
