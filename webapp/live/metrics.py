"""What the live path counts, for Prometheus."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

open_sockets = Gauge(
    "mln_open_sockets", "Tracking pages connected to this process", multiprocess_mode="livesum"
)
frames_published = Counter("mln_live_frames", "Frames queued for open tracking pages")
slow_sockets = Counter("mln_live_slow_sockets", "Sockets closed because they stopped reading")
push_latency = Histogram(
    "mln_push_latency_seconds",
    "From a change's live event to its frame being queued for the sockets",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
