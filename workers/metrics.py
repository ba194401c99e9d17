"""What the worker counts, for Prometheus."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

scans_ingested = Counter("mln_scans_ingested", "Carrier scans recorded for the first time")
polls = Counter(
    "mln_polls", "Carrier feed polls by feed, carrier and outcome", ["feed", "carrier", "outcome"]
)
poll_lag = Histogram(
    "mln_poll_lag_seconds",
    "How late a shipment was polled after it fell due",
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
notifications = Counter(
    "mln_notifications",
    "Customer e-mails handled by kind and the state they ended a try in",
    ["kind", "status"],
)
webhooks = Counter(
    "mln_webhooks",
    "Webhook deliveries recorded, by provider and the state they ended in",
    ["provider", "state"],
)
